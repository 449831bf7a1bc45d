"""The agent's mind: replying, reflecting, thinking. Pure functions where possible."""
