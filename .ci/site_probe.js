// Injected into each page of a copy of the docs site by .ci/site_screenshots.py: once the
// page has loaded, it measures what only a browser knows, and writes it as JSON into a
// new element of the page, for chromium --dump-dom to print.
window.addEventListener("load", function () {
  var problems = {clipped_code: [], wide_tables: [], run_on_lists: [], broken_images: []};
  var first = function (node) {
    return node.textContent.trim().split("\n")[0].slice(0, 70);
  };
  var scrolls = function (el) { return el.scrollWidth > el.clientWidth + 1; };
  document.querySelectorAll("article pre").forEach(function (pre) {
    var code = pre.querySelector("code") || pre;
    if (scrolls(pre) || scrolls(code)) { problems.clipped_code.push(first(pre)); }
  });
  document.querySelectorAll("article table").forEach(function (table) {
    var box = table.closest(".md-typeset__scrollwrap") || table.parentElement;
    if (scrolls(box)) { problems.wide_tables.push(first(table)); }
  });
  // A list Python-Markdown did not see: its items are lines of a paragraph.
  document.querySelectorAll("article p").forEach(function (p) {
    p.textContent.split("\n").slice(1).forEach(function (line) {
      if (/^\s*([-*+]|\d+\.)\s+\S/.test(line)) {
        problems.run_on_lists.push(line.trim().slice(0, 70));
      }
    });
  });
  document.querySelectorAll("article img").forEach(function (img) {
    if (!img.complete || img.naturalWidth === 0) {
      problems.broken_images.push(img.getAttribute("src"));
    }
  });
  var out = document.createElement("pre");
  out.id = "sesquota-probe";
  out.textContent = JSON.stringify({
    height: document.documentElement.scrollHeight,
    problems: problems,
  });
  document.body.appendChild(out);
});
