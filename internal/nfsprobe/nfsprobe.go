// Package nfsprobe reads an NFS server's export list over the wire: one ONC RPC call (RFC 5531)
// of the MOUNT protocol version 3 (RFC 1813, appendix I), procedure EXPORT, over TCP with
// record marking and AUTH_NONE. DittoFS serves MOUNT on its NFS port, so no portmapper is needed.
//
// DittoFS v0.29 lists every share it has loaded in EXPORT, disabled ones included, and refuses
// MNT of a disabled share with MNT3ERR_ACCES; Mount tells the two apart.
package nfsprobe

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// MOUNT program constants.
const (
	MountProgram  = 100005
	MountVersion3 = 3
	ProcMnt       = 1
	ProcExport    = 5
	// MountOK and MountErrAccess are MNT results (mountstat3).
	MountOK        = 0
	MountErrNoEnt  = 2
	MountErrAccess = 13
	rpcVersion     = 2
	msgCall        = 0
	msgReply       = 1
	replyAccepted  = 0
	acceptSuccess  = 0
	lastFragment   = 1 << 31
	maxReplyBytes  = 4 << 20
	defaultTimeout = 10 * time.Second
)

// Export is one entry of the export list.
type Export struct {
	Dir    string
	Groups []string
}

// Exports asks the MOUNT service at addr (host:port) for its export list.
func Exports(ctx context.Context, addr string) ([]Export, error) {
	conn, err := dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close() }()
	body, err := roundTrip(conn, ProcExport, nil)
	if err != nil {
		return nil, err
	}
	return DecodeExports(body)
}

// Mount asks the MOUNT service at addr to mount dir (MNT) and returns the mountstat3: MountOK
// for a share a client may mount, MountErrAccess for a disabled one, MountErrNoEnt for none.
func Mount(ctx context.Context, addr, dir string) (uint32, error) {
	conn, err := dial(ctx, addr)
	if err != nil {
		return 0, err
	}
	defer func() { _ = conn.Close() }()
	arg := make([]byte, 4, 4+len(dir)+3)
	binary.BigEndian.PutUint32(arg, uint32(len(dir)))
	arg = append(arg, dir...)
	for len(arg)%4 != 0 {
		arg = append(arg, 0)
	}
	body, err := roundTrip(conn, ProcMnt, arg)
	if err != nil {
		return 0, err
	}
	x := NewXDRReader(body)
	st := x.U32()
	if x.Err() != nil {
		return 0, fmt.Errorf("nfsprobe: decode MNT reply: %w", x.Err())
	}
	return st, nil
}

func dial(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: defaultTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("nfsprobe: dial %s: %w", addr, err)
	}
	deadline := time.Now().Add(defaultTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	return conn, nil
}

// roundTrip sends one MOUNT v3 call and returns the procedure's result.
func roundTrip(conn net.Conn, proc uint32, args []byte) ([]byte, error) {
	xid, err := randomXID()
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(CallWithArgs(xid, MountProgram, MountVersion3, proc, args)); err != nil {
		return nil, fmt.Errorf("nfsprobe: send call %d: %w", proc, err)
	}
	reply, err := ReadRecord(bufio.NewReader(conn))
	if err != nil {
		return nil, fmt.Errorf("nfsprobe: read reply to call %d: %w", proc, err)
	}
	return AcceptedBody(reply, xid)
}

// Call is one record-marked RPC call with AUTH_NONE credentials and verifier and no arguments.
func Call(xid, prog, vers, proc uint32) []byte { return CallWithArgs(xid, prog, vers, proc, nil) }

// CallWithArgs is Call with XDR-encoded arguments (a multiple of four bytes).
func CallWithArgs(xid, prog, vers, proc uint32, args []byte) []byte {
	words := []uint32{xid, msgCall, rpcVersion, prog, vers, proc, 0, 0, 0, 0} // cred and verf: AUTH_NONE, length 0
	n := 4*len(words) + len(args)
	msg := make([]byte, 4+4*len(words), 4+n)
	binary.BigEndian.PutUint32(msg, lastFragment|uint32(n))
	for i, w := range words {
		binary.BigEndian.PutUint32(msg[4+4*i:], w)
	}
	return append(msg, args...)
}

// ReadRecord reads fragments until the last one and returns the record.
func ReadRecord(r io.Reader) ([]byte, error) {
	var rec []byte
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, err
		}
		h := binary.BigEndian.Uint32(hdr[:])
		n := int(h &^ lastFragment)
		if len(rec)+n > maxReplyBytes {
			return nil, fmt.Errorf("record larger than %d bytes", maxReplyBytes)
		}
		frag := make([]byte, n)
		if _, err := io.ReadFull(r, frag); err != nil {
			return nil, err
		}
		rec = append(rec, frag...)
		if h&lastFragment != 0 {
			return rec, nil
		}
	}
}

// AcceptedBody checks a reply's header (xid, accepted, SUCCESS) and returns the procedure's
// result.
func AcceptedBody(reply []byte, xid uint32) ([]byte, error) {
	x := NewXDRReader(reply)
	gotXID, typ, stat := x.U32(), x.U32(), x.U32()
	if x.Err() != nil {
		return nil, fmt.Errorf("nfsprobe: short reply header: %w", x.Err())
	}
	if gotXID != xid || typ != msgReply {
		return nil, fmt.Errorf("nfsprobe: reply xid %d type %d, want xid %d type %d", gotXID, typ, xid, msgReply)
	}
	if stat != replyAccepted {
		return nil, fmt.Errorf("nfsprobe: call denied (reply_stat %d)", stat)
	}
	x.U32()    // verifier flavor
	x.Opaque() // verifier body
	acc := x.U32()
	if x.Err() != nil {
		return nil, fmt.Errorf("nfsprobe: short accepted reply: %w", x.Err())
	}
	if acc != acceptSuccess {
		names := map[uint32]string{1: "PROG_UNAVAIL", 2: "PROG_MISMATCH", 3: "PROC_UNAVAIL", 4: "GARBAGE_ARGS", 5: "SYSTEM_ERR"}
		return nil, fmt.Errorf("nfsprobe: call not executed: %s (%d)", names[acc], acc)
	}
	return x.Rest(), nil
}

// DecodeExports reads the exports list: value-follows flags, each entry a directory and a list
// of group names.
func DecodeExports(body []byte) ([]Export, error) {
	x := NewXDRReader(body)
	var out []Export
	for x.U32() == 1 && x.Err() == nil {
		e := Export{Dir: x.String()}
		for x.U32() == 1 && x.Err() == nil {
			e.Groups = append(e.Groups, x.String())
		}
		out = append(out, e)
	}
	if x.Err() != nil {
		return nil, fmt.Errorf("nfsprobe: decode export list: %w", x.Err())
	}
	return out, nil
}

func randomXID() (uint32, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, errors.New("nfsprobe: random xid: " + err.Error())
	}
	return binary.BigEndian.Uint32(b[:]), nil
}

// Dirs returns the exported directories.
func Dirs(exports []Export) []string {
	out := make([]string, 0, len(exports))
	for _, e := range exports {
		out = append(out, e.Dir)
	}
	return out
}
