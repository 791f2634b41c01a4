"""HelixDesk as an OpenEnv environment: wire models, environment, sessions and the app."""
