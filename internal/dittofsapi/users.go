package dittofsapi

import (
	"context"
	"fmt"
	"net/http"
)

// User roles.
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
	RoleUser     = "user"
)

// CreateUserRequest is the body of POST /users. A new admin must change its
// password before it can do anything else; operators and users need not.
type CreateUserRequest struct {
	Username    string   `json:"username"`
	Password    string   `json:"password"`
	Email       string   `json:"email,omitempty"`
	DisplayName string   `json:"display_name,omitempty"`
	Role        string   `json:"role,omitempty"` // server default user
	UID         *uint32  `json:"uid,omitempty"`
	GID         *uint32  `json:"gid,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	Enabled     *bool    `json:"enabled,omitempty"` // server default true
}

// Password length limits. The server answers a password outside them with
// a 500 ("Failed to hash password"), which would read as an outage, so the
// client checks first.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 72 // bcrypt's limit, in bytes
)

// CreateUser creates a control-plane user; 409 when the name is taken.
func (c *Client) CreateUser(ctx context.Context, req CreateUserRequest) (*User, error) {
	if err := requireName("user", req.Username); err != nil {
		return nil, err
	}
	if n := len(req.Password); n < MinPasswordLength || n > MaxPasswordLength {
		return nil, fmt.Errorf("dittofs: CreateUser %q: password must be %d to %d bytes long, got %d",
			req.Username, MinPasswordLength, MaxPasswordLength, n)
	}
	var out User
	if _, err := c.send(ctx, request{method: http.MethodPost, path: apiPath("users"), body: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetUser returns one user. Non-admins may only read themselves.
func (c *Client) GetUser(ctx context.Context, username string) (*User, error) {
	if err := requireName("user", username); err != nil {
		return nil, err
	}
	var out User
	if _, err := c.send(ctx, request{method: http.MethodGet, path: apiPath("users", username), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteUser deletes a user.
func (c *Client) DeleteUser(ctx context.Context, username string) error {
	if err := requireName("user", username); err != nil {
		return err
	}
	_, err := c.send(ctx, request{method: http.MethodDelete, path: apiPath("users", username)})
	return err
}
