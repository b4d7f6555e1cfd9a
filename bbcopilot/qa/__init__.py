"""QA generation: question/answer pairs over whole documents, checked before anything trains on them.

Read in order: `spans` (documents cut by their structure into generation spans), `prompts` (the
Jinja templates that name language, framework, subsystem and module), `schema` (the JSON a generator
replies with), `client` (many requests in flight against an OpenAI-compatible server, with retries),
`cache` (one file per finished request), `filters` (grounded, self-contained, compiling, distinct),
`stage` (the `qa` dataset: generated pairs and human dialogs, in chat form, with a card).
"""
