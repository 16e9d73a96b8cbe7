// Sends through SES v1 and v2 with the AWS SDK for JavaScript v3, pointed at a sesquota
// server (argv[2]); prints what it saw as JSON. Run by tests/test_server.py.
import { SESClient, SendEmailCommand, GetSendQuotaCommand } from "@aws-sdk/client-ses";
import { SESv2Client, SendEmailCommand as SendV2, GetAccountCommand } from "@aws-sdk/client-sesv2";
const endpoint = process.argv[2];
const common = { endpoint, region: "us-east-1", credentials: { accessKeyId: "fake", secretAccessKey: "fake" }, maxAttempts: 1 };
const v1 = new SESClient(common);
const v2 = new SESv2Client(common);
const out = {};
const msg = { Subject: { Data: "Hi" }, Body: { Text: { Data: "Hello" } } };
const r1 = await v1.send(new SendEmailCommand({ Source: "app@example.com", Destination: { ToAddresses: ["a@example.com"] }, Message: msg }));
out.messageId = r1.MessageId;
try {
  await v1.send(new SendEmailCommand({ Source: "app@example.com", Destination: { ToAddresses: ["a@example.com"] }, Message: msg }));
} catch (e) { out.v1Error = [e.name, e.message, e.$metadata.httpStatusCode]; }
try {
  await v2.send(new SendV2({ FromEmailAddress: "app@example.com", Destination: { ToAddresses: ["a@example.com"] }, Content: { Simple: msg } }));
} catch (e) { out.v2Error = [e.name, e.message, e.$metadata.httpStatusCode]; }
const q = await v1.send(new GetSendQuotaCommand({}));
out.quota = [q.Max24HourSend, q.MaxSendRate, q.SentLast24Hours];
const a = await v2.send(new GetAccountCommand({}));
out.account = a.SendQuota;
console.log(JSON.stringify(out));
