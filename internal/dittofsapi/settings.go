package dittofsapi

import (
	"context"
	"net/http"
)

// Setting is one entry of the server's key-value settings table, kept in its control-plane
// database beside the snapshot rows (so it survives what they survive).
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type setSettingRequest struct {
	Value string `json:"value"`
}

// GetSetting returns the value under key. v0.29 answers a key it does not have with an empty
// value, not a 404.
func (c *Client) GetSetting(ctx context.Context, key string) (string, error) {
	if err := requireName("setting", key); err != nil {
		return "", err
	}
	var out Setting
	if _, err := c.send(ctx, request{method: http.MethodGet, path: apiPath("settings", key), out: &out}); err != nil {
		return "", err
	}
	return out.Value, nil
}

// PutSetting creates or replaces the value under key.
func (c *Client) PutSetting(ctx context.Context, key, value string) error {
	if err := requireName("setting", key); err != nil {
		return err
	}
	_, err := c.send(ctx, request{method: http.MethodPut, path: apiPath("settings", key), body: setSettingRequest{Value: value}})
	return err
}

// DeleteSetting removes key.
func (c *Client) DeleteSetting(ctx context.Context, key string) error {
	if err := requireName("setting", key); err != nil {
		return err
	}
	_, err := c.send(ctx, request{method: http.MethodDelete, path: apiPath("settings", key)})
	return err
}
