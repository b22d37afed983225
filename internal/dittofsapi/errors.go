package dittofsapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// APIError is a request the server answered with a non-2xx status.
//
// Handlers answer with RFC 7807 problem+json, but the server's auth middleware
// answers 401/403 as text/plain and some probes answer with a plain JSON body,
// so Title and Detail are filled from whatever the body holds.
type APIError struct {
	Method string
	Path   string
	Status int
	Title  string
	Detail string
	// Code and Hint are optional machine-readable extras some handlers set.
	Code string
	Hint string
	// Errors maps a field to its validation message (422 on adapter settings).
	Errors map[string]string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dittofs: %s %s: %d", e.Method, e.Path, e.Status)
	title := e.Title
	if title == "" {
		title = http.StatusText(e.Status)
	}
	if title != "" {
		b.WriteString(" " + title)
	}
	if e.Detail != "" && e.Detail != title {
		b.WriteString(": " + e.Detail)
	}
	fields := make([]string, 0, len(e.Errors))
	for field := range e.Errors {
		fields = append(fields, field)
	}
	sort.Strings(fields)
	for _, field := range fields {
		fmt.Fprintf(&b, "; %s: %s", field, e.Errors[field])
	}
	return b.String()
}

// UnavailableError is a request that never got an answer: connection refused,
// DNS failure, timeout, a connection dropped mid-response. Retrying later may
// help; changing the request will not.
type UnavailableError struct {
	Method string
	Path   string
	Err    error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("dittofs: %s %s: server unavailable: %v", e.Method, e.Path, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// IsUntrustedServer reports a request that was not sent because the server's certificate
// did not verify (unknown CA, wrong name, expired): the credentials never left the client.
func IsUntrustedServer(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// IsNotFound reports whether the server answered 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether the server answered 409 (duplicate, in use, share
// still enabled for a restore, snapshot in flight).
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsForbidden reports whether the server answered 403: the credentials are
// valid but the user's role may not do this (only role admin manages stores,
// shares and adapters), or the account is disabled.
func IsForbidden(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsUnauthorized reports whether the server answered 401: wrong user name or
// password, or a token the client could not renew.
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

// IsPreconditionFailed reports whether the server answered 412 (a restore of a
// snapshot that is not remote-durable without AllowNonDurable).
func IsPreconditionFailed(err error) bool { return hasStatus(err, http.StatusPreconditionFailed) }

// IsBadRequest reports whether the server answered 400 or 422: the request
// itself is wrong and repeating it will not help.
func IsBadRequest(err error) bool {
	return hasStatus(err, http.StatusBadRequest) || hasStatus(err, http.StatusUnprocessableEntity)
}

// IsUnavailable reports whether the server could not be reached or could not
// serve the request (connection refused, timeout, any 5xx), as opposed to a
// rejection of the request. A caller's own cancellation is not unavailability.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ue *UnavailableError
	if errors.As(err, &ue) {
		return !errors.Is(ue.Err, context.Canceled)
	}
	var ae *APIError
	return errors.As(err, &ae) && ae.Status >= 500
}

// StatusCode returns the HTTP status of an *APIError in err's chain, or 0.
func StatusCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func hasStatus(err error, status int) bool {
	return StatusCode(err) == status
}

// maxErrorBody bounds how much of an error body is kept in Detail.
const maxErrorBody = 4 << 10

// newAPIError builds an *APIError from a non-2xx response body.
func newAPIError(method, path string, status int, contentType string, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: status}
	text := strings.TrimSpace(string(body))

	var p struct {
		Title  string            `json:"title"`
		Status int               `json:"status"`
		Detail string            `json:"detail"`
		Code   string            `json:"code"`
		Hint   string            `json:"hint"`
		Errors map[string]string `json:"errors"`
		// The health probes answer {"status":"unhealthy","error":"..."}.
		Error string `json:"error"`
	}
	if looksLikeJSON(contentType, text) && json.Unmarshal([]byte(text), &p) == nil {
		e.Title, e.Detail, e.Code, e.Hint, e.Errors = p.Title, p.Detail, p.Code, p.Hint, p.Errors
		if e.Detail == "" {
			e.Detail = p.Error
		}
		if e.Title == "" && e.Detail == "" && len(e.Errors) == 0 {
			e.Detail = truncate(text)
		}
		return e
	}
	// Plain text (the auth middleware's http.Error) or something unparsable,
	// such as a proxy's HTML page: keep it as the detail.
	e.Detail = truncate(text)
	return e
}

func looksLikeJSON(contentType, body string) bool {
	return strings.Contains(contentType, "json") || strings.HasPrefix(body, "{")
}

func truncate(s string) string {
	if len(s) > maxErrorBody {
		return s[:maxErrorBody] + "..."
	}
	return s
}
