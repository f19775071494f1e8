-- Sign in with Apple: the Apple refresh token obtained from the authorization code the app may send at
-- login, kept only to revoke the user's authorisation at Apple when the account is deleted. It is useless
-- without our Apple client secret (signed with our private key).
ALTER TABLE social_accounts ADD COLUMN provider_refresh_token text;
