"""Speech engines for the narrator: the Narrator protocol, an offline voice and OpenAI speech."""
