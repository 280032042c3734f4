"""Work too long for a request (a sheet of badges for a thousand delegates), done by the worker."""
