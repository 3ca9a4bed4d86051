"""Engine, sessions, migrations and the safety checks around opening a database."""
