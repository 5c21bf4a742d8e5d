"""The agents' console: people who take over conversations the bot handed off.

`agents` (accounts and passwords), `routing` (priority, queues, SLA, assignment),
`sessions` (logins, expiry, CSRF), `work` (what an agent does: claim, reply, record an
arrangement, resolve, hand back; each an evidence record), `takeover` (the check the SMS
channel asks before letting the bot answer), `web` (the sanic blueprint at /console/).
"""
