# Copy to instance/config.py and adjust; environment variables still override these.
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://eventmgr@localhost/eventmgr"
# SECRET_KEY = "a long random string"   # by default one is generated into instance/secret_key
# SERVER_NAME = "events.example.org"
# PREFERRED_URL_SCHEME = "https"
# MAIL_SERVER = "smtp.example.org"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USERNAME = "eventmgr"
# MAIL_PASSWORD = "..."
# MAIL_DEFAULT_SENDER = "Conference secretariat <events@example.org>"
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"
