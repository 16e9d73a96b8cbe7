"""A tiny newsletter service on Amazon SES: the application under test in this example."""
