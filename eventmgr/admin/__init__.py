"""Site administration: accounts and site-wide roles."""
