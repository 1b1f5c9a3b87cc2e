"""Identity: how members and staff sign in, their passwords, second factors and staff accounts."""
