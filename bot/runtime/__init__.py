"""Running the assistant: server start-up, the action server, the local Twilio stand-in."""
