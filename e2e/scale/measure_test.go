package scale

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// operatorAgent is how the audit log tells the operator's requests: the binary is built under
// this name, and client-go puts the binary's name first in its user agent.
const operatorAgent = "dittofs-operator/"

// auditEvent is the part of an audit event the benchmark reads.
type auditEvent struct {
	Verb      string    `json:"verb"`
	UserAgent string    `json:"userAgent"`
	Stage     string    `json:"stage"`
	Received  time.Time `json:"requestReceivedTimestamp"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
}

func isWrite(verb string) bool {
	switch verb {
	case "create", "update", "patch", "delete", "deletecollection":
		return true
	}
	return false
}

// auditReader reads the operator's requests from an audit log as it grows.
type auditReader struct {
	path   string
	offset int64
	events []auditEvent
}

// poll reads the lines written since the last call.
func (a *auditReader) poll() error {
	f, err := os.Open(a.path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	if st, err := f.Stat(); err != nil || st.Size() < a.offset {
		return fmt.Errorf("audit log %s shrank (rotated?): counts would be lost (%v)", a.path, err)
	}
	if _, err := f.Seek(a.offset, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			// A partial last line is read again next time.
			return nil
		}
		a.offset += int64(len(line))
		if !strings.Contains(string(line), operatorAgent) {
			continue
		}
		var ev auditEvent
		if json.Unmarshal(line, &ev) != nil || !strings.HasPrefix(ev.UserAgent, operatorAgent) || ev.Stage != "ResponseComplete" {
			continue
		}
		a.events = append(a.events, ev)
	}
}

// skipTo drops what was read so far, so counting starts now.
func (a *auditReader) skipTo() error {
	err := a.poll()
	a.events = nil
	return err
}

// byVerb counts the events received in [from, to).
func (a *auditReader) byVerb(from, to time.Time) map[string]int {
	out := map[string]int{}
	for _, ev := range a.events {
		if !ev.Received.Before(from) && ev.Received.Before(to) {
			out[ev.Verb]++
		}
	}
	return out
}

// lastWrite is when the operator's last write was received, zero when none.
func (a *auditReader) lastWrite() time.Time {
	for i := len(a.events) - 1; i >= 0; i-- {
		if isWrite(a.events[i].Verb) {
			return a.events[i].Received
		}
	}
	return time.Time{}
}

// histogram is one scrape of a Prometheus histogram: cumulative counts by upper bound.
type histogram struct {
	bounds []float64
	counts []float64
	total  float64
}

// scrape reads the operator's /metrics with a bearer token (the endpoint serves HTTPS with a
// self-signed certificate, made at start).
func scrape(addr, token string) (string, error) {
	httpc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // self-signed, made at start
	req, err := http.NewRequest(http.MethodGet, "https://"+addr+"/metrics", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpc.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("/metrics answered %s: %s", resp.Status, body)
	}
	return string(body), err
}

// reconcileHistogram parses controller-runtime's reconcile_time_seconds of the dittofs controller.
func reconcileHistogram(text string) histogram {
	const name = "controller_runtime_reconcile_time_seconds"
	var h histogram
	type bucket struct{ le, n float64 }
	var buckets []bucket
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, name) || !strings.Contains(line, `controller="dittofs"`) {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(line, name+"_bucket"):
			_, rest, _ := strings.Cut(line, `le="`)
			leStr, _, _ := strings.Cut(rest, `"`)
			le, err := strconv.ParseFloat(leStr, 64)
			if leStr == "+Inf" {
				le, err = math.Inf(1), nil
			}
			if err == nil {
				buckets = append(buckets, bucket{le, v})
			}
		case strings.HasPrefix(line, name+"_count"):
			h.total = v
		}
	}
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].le < buckets[j].le })
	for _, b := range buckets {
		h.bounds = append(h.bounds, b.le)
		h.counts = append(h.counts, b.n)
	}
	return h
}

// minus is the histogram of what happened between an earlier scrape and this one.
func (h histogram) minus(earlier histogram) histogram {
	out := histogram{bounds: h.bounds, total: h.total - earlier.total}
	for i := range h.counts {
		c := h.counts[i]
		if i < len(earlier.counts) {
			c -= earlier.counts[i]
		}
		out.counts = append(out.counts, c)
	}
	return out
}

// quantile interpolates within the bucket holding rank q, as PromQL's histogram_quantile does.
func (h histogram) quantile(q float64) float64 {
	if h.total == 0 || len(h.counts) == 0 {
		return math.NaN()
	}
	rank := q * h.total
	lower, below := 0.0, 0.0
	for i, c := range h.counts {
		if c >= rank {
			upper := h.bounds[i]
			if math.IsInf(upper, 1) {
				return lower
			}
			if c == below {
				return upper
			}
			return lower + (upper-lower)*(rank-below)/(c-below)
		}
		lower, below = h.bounds[i], c
	}
	return lower
}

// procStats reads a process's peak and current resident memory and its CPU time.
type procStats struct {
	peakRSS, rss int64 // bytes
	cpu          time.Duration
}

func readProc(pid int) (procStats, error) {
	var st procStats
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmHWM:":
			st.peakRSS = kb << 10
		case "VmRSS:":
			st.rss = kb << 10
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	// Fields after the command (which may hold spaces) start after the last ')'.
	rest := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(rest) > 12 {
		utime, _ := strconv.ParseInt(rest[11], 10, 64)
		stime, _ := strconv.ParseInt(rest[12], 10, 64)
		const ticks = 100 // USER_HZ on Linux
		st.cpu = time.Duration(utime+stime) * time.Second / ticks
	}
	return st, nil
}

// durations summarises a set of durations.
type durations []time.Duration

func (d durations) pct(p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append(durations(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(i, 0)]
}
