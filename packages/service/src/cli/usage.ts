/** The CLI's help text, printed by `gatehouse help` and after a usage error. */
export const usage = `Usage: gatehouse <command> [options]

Commands:
  serve [--host <host>] [--port <port>] [--workers <n>]
                                    start the HTTP service (n processes sharing the port);
                                    --host and --port override HOST and PORT
  users add <username>              create a user; the password is read from the terminal or stdin
        [--email <email>] [--full-name <name>] [--scopes "<scope> ..."] [--disabled]
  users list [--json]               list every user
  users show <username>             print a user as JSON (never the password hash)
  users disable <username>          stop a user from signing in
  users enable <username>           let a disabled user sign in again
  users set-scopes <username> [<scope> ...]
                                    replace the scopes a user may be granted
  users set-password <username>     set a new password, read from the terminal or stdin
  users delete <username>           delete a user and their items
  users import <file> [--format json|csv]
                                    import users with their FastAPI/passlib/pwdlib/Django hashes
                                    (fields: username, email, full_name, disabled, hashed_password, scopes)
  clients add <name> [--public] [--grants "<grant type> ..."] [--scopes "<scope> ..."]
        [--redirect-uri <uri>]... [--audience <aud>]... [--first-party] [--jwks <file>] [--json]
                                    register an OAuth client; prints its client_id and, for a
                                    confidential client, its secret, once; with --jwks (a JWK Set
                                    of public keys) no secret: it authenticates with private_key_jwt
  clients list [--json]             list the registered clients (never a secret)
  clients show <client_id>          print a client as JSON (never a secret or its hash)
  clients disable <client_id>       stop a client from getting tokens
  clients enable <client_id>        let a disabled client get tokens again
  clients rotate-secret <client_id> [--json]
                                    print a new secret, once; the previous one stays valid for
                                    GATEHOUSE_CLIENT_SECRET_OVERLAP_SECONDS
  clients delete <client_id>        delete a client registration
  consents list <username> [--json] list the clients a user consented to, with the scopes
  consents revoke <username> <client_id>
                                    revoke a consent: the client's next authorization asks again
  audit [--user <username>] [--since 1h|<ISO date>] [--until ...] [--type <event type>]
        [--limit N] [--json]        read the audit trail, newest first
  hash-password                     print the argon2id hash of a password read from the terminal or stdin
  migrate                           apply pending database migrations
  keys list [--json]                list the signing keys: kid, algorithm, status, times (no secrets)
  keys rotate [--algorithm <alg>]   make a new signing key (EdDSA, ES256 or HS256) the signer; the
                                    previous ones verify until their tokens have expired
  help                              show this text
  --version                         print the version

Passwords are never taken from the command line. On a terminal they are typed without echo;
otherwise the first line of standard input is the password.

Configuration comes from the environment: GATEHOUSE_DATABASE_URL, GATEHOUSE_JWT_SECRET,
GATEHOUSE_SIGNING_ALGORITHM, HOST, PORT, GATEHOUSE_LOG_LEVEL and the other GATEHOUSE_*
variables, and from a .env file in the current directory (variables already set win).

Exit status: 0 success, 1 the operation failed, 2 the command line or configuration is invalid.
`;
