// Package server is what every sub-phase that talks to a DittoFS server through its REST API
// shares: where the server answers (Access, Location), one logged-in client per DittoFS kept
// across reconciles (Sessions), the retry backoff, the admin credentials, and how a server error
// becomes a condition reason (Blocked). The shares sub-phase uses it; backups will too.
package server
