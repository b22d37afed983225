// Package nfsclient is a minimal NFSv3 client (RFC 1813) over TCP with AUTH_UNIX as root:
// enough to write, read and remove files in a share the way a mounted client would, so tests and
// the demo can prove that data is where it should be. DittoFS serves MOUNT and NFS on one port,
// so no portmapper is needed.
package nfsclient

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/dittofs/dittofs-operator/internal/nfsprobe"
)

const (
	nfsProgram  = 100003
	procLookup  = 3
	procRead    = 6
	procWrite   = 7
	procCreate  = 8
	procRemove  = 12
	authUnix    = 1
	fileSync    = 2 // stable_how FILE_SYNC: the reply comes once the data is on stable storage
	createGuard = 1 // createmode3 GUARDED: fail if the file exists
)

// ErrNoEnt is the NFS3ERR_NOENT of a LOOKUP or REMOVE: the file is not there.
var ErrNoEnt = errors.New("NFS3ERR_NOENT")

// ErrMountRefused is a MNT answer other than OK: the share is not exported (or offline).
var ErrMountRefused = errors.New("mount refused")

// nfsConn is one TCP connection to a server's NFS port.
type nfsConn struct {
	conn net.Conn
	r    *bufio.Reader
	xid  uint32
}

func dialNFS(ctx context.Context, addr string) (*nfsConn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(20 * time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	return &nfsConn{conn: conn, r: bufio.NewReader(conn), xid: uint32(time.Now().UnixNano())}, nil
}

func (c *nfsConn) Close() error { return c.conn.Close() }

// call sends one record-marked call with AUTH_UNIX uid 0 gid 0 and returns the result body.
// Both programs spoken here, MOUNT and NFS, are at version 3.
func (c *nfsConn) call(prog, proc uint32, args []byte) ([]byte, error) {
	c.xid++
	var cred nfsprobe.XDRWriter
	cred.U32(0)                      // stamp
	cred.Opaque([]byte("nfsclient")) // machine name
	cred.U32(0)                      // uid
	cred.U32(0)                      // gid
	cred.U32(0)                      // no supplementary groups
	var msg nfsprobe.XDRWriter
	msg.U32(c.xid)
	msg.U32(0) // CALL
	msg.U32(2) // RPC version
	msg.U32(prog)
	msg.U32(3)
	msg.U32(proc)
	msg.U32(authUnix)
	msg.Opaque(cred.Bytes())
	msg.U32(0) // verifier AUTH_NONE
	msg.U32(0)
	msg.Write(args)
	rec := make([]byte, 4, 4+msg.Len())
	binary.BigEndian.PutUint32(rec, 1<<31|uint32(msg.Len()))
	rec = append(rec, msg.Bytes()...)
	if _, err := c.conn.Write(rec); err != nil {
		return nil, err
	}
	reply, err := nfsprobe.ReadRecord(c.r)
	if err != nil {
		return nil, err
	}
	return nfsprobe.AcceptedBody(reply, c.xid)
}

// mount returns the root file handle of the export dir (MOUNT v3 MNT).
func (c *nfsConn) mount(dir string) ([]byte, error) {
	var a nfsprobe.XDRWriter
	a.Opaque([]byte(dir))
	body, err := c.call(nfsprobe.MountProgram, nfsprobe.ProcMnt, a.Bytes())
	if err != nil {
		return nil, err
	}
	x := nfsprobe.NewXDRReader(body)
	if st := x.U32(); st != nfsprobe.MountOK {
		return nil, fmt.Errorf("MNT %s: mountstat3 %d: %w", dir, st, ErrMountRefused)
	}
	fh := x.Opaque()
	return fh, x.Err()
}

// nfsStatus turns a non-zero nfsstat3 into an error.
func nfsStatus(op string, st uint32) error {
	switch st {
	case 0:
		return nil
	case 2:
		return fmt.Errorf("%s: %w", op, ErrNoEnt)
	}
	return fmt.Errorf("%s: nfsstat3 %d", op, st)
}

func (c *nfsConn) lookup(dir []byte, name string) ([]byte, error) {
	var a nfsprobe.XDRWriter
	a.Opaque(dir)
	a.Opaque([]byte(name))
	body, err := c.call(nfsProgram, procLookup, a.Bytes())
	if err != nil {
		return nil, err
	}
	x := nfsprobe.NewXDRReader(body)
	if err := nfsStatus("LOOKUP "+name, x.U32()); err != nil {
		return nil, err
	}
	fh := x.Opaque()
	return fh, x.Err()
}

// create makes a new file (GUARDED, mode 0644) and returns its handle.
func (c *nfsConn) create(dir []byte, name string) ([]byte, error) {
	var a nfsprobe.XDRWriter
	a.Opaque(dir)
	a.Opaque([]byte(name))
	a.U32(createGuard)
	a.U32(1) // set mode
	a.U32(0o644)
	for range 5 { // uid, gid, size, atime, mtime: not set
		a.U32(0)
	}
	body, err := c.call(nfsProgram, procCreate, a.Bytes())
	if err != nil {
		return nil, err
	}
	x := nfsprobe.NewXDRReader(body)
	if err := nfsStatus("CREATE "+name, x.U32()); err != nil {
		return nil, err
	}
	if x.U32() != 1 {
		return c.lookup(dir, name) // the server may omit the handle; look it up
	}
	fh := x.Opaque()
	return fh, x.Err()
}

func (c *nfsConn) write(fh []byte, data []byte) error {
	var a nfsprobe.XDRWriter
	a.Opaque(fh)
	a.U64(0)
	a.U32(uint32(len(data)))
	a.U32(fileSync)
	a.Opaque(data)
	body, err := c.call(nfsProgram, procWrite, a.Bytes())
	if err != nil {
		return err
	}
	x := nfsprobe.NewXDRReader(body)
	if err := nfsStatus("WRITE", x.U32()); err != nil {
		return err
	}
	skipWcc(x)
	if n := x.U32(); x.Err() == nil && int(n) != len(data) {
		return fmt.Errorf("WRITE wrote %d of %d bytes", n, len(data))
	}
	return x.Err()
}

func (c *nfsConn) read(fh []byte, limit int) ([]byte, error) {
	var a nfsprobe.XDRWriter
	a.Opaque(fh)
	a.U64(0)
	a.U32(uint32(limit))
	body, err := c.call(nfsProgram, procRead, a.Bytes())
	if err != nil {
		return nil, err
	}
	x := nfsprobe.NewXDRReader(body)
	if err := nfsStatus("READ", x.U32()); err != nil {
		return nil, err
	}
	skipPostOpAttr(x)
	x.U32() // count
	x.U32() // eof
	data := x.Opaque()
	return data, x.Err()
}

// mounted dials addr, mounts share and runs fn with the connection and the share's root handle,
// as each call of a short-lived client does.
func mounted(ctx context.Context, addr, share string, fn func(c *nfsConn, root []byte) error) error {
	c, err := dialNFS(ctx, addr)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	root, err := c.mount(share)
	if err != nil {
		return err
	}
	return fn(c, root)
}

// WriteFile creates share/name on the server at addr and writes data to it, as a client that
// mounted the share would; the file must not exist yet.
func WriteFile(ctx context.Context, addr, share, name string, data []byte) error {
	return mounted(ctx, addr, share, func(c *nfsConn, root []byte) error {
		fh, err := c.create(root, name)
		if err != nil {
			return err
		}
		return c.write(fh, data)
	})
}

// ReadFile reads share/name back (up to 1 MiB); ErrNoEnt means the file is not there.
func ReadFile(ctx context.Context, addr, share, name string) ([]byte, error) {
	var data []byte
	err := mounted(ctx, addr, share, func(c *nfsConn, root []byte) error {
		fh, err := c.lookup(root, name)
		if err != nil {
			return err
		}
		data, err = c.read(fh, 1<<20)
		return err
	})
	return data, err
}

// RemoveFile deletes share/name; ErrNoEnt means it was not there.
func RemoveFile(ctx context.Context, addr, share, name string) error {
	return mounted(ctx, addr, share, func(c *nfsConn, root []byte) error { return c.remove(root, name) })
}

// fattr3 is 84 bytes; wcc_attr (size, mtime, ctime) 24.
func skipPostOpAttr(x *nfsprobe.XDRReader) {
	if x.U32() == 1 {
		x.Skip(84)
	}
}

func skipWcc(x *nfsprobe.XDRReader) {
	if x.U32() == 1 {
		x.Skip(24)
	}
	skipPostOpAttr(x)
}

func (c *nfsConn) remove(dir []byte, name string) error {
	var a nfsprobe.XDRWriter
	a.Opaque(dir)
	a.Opaque([]byte(name))
	body, err := c.call(nfsProgram, procRemove, a.Bytes())
	if err != nil {
		return err
	}
	x := nfsprobe.NewXDRReader(body)
	return nfsStatus("REMOVE "+name, x.U32())
}

// ReplaceFile writes data as the whole content of share/name, creating it or replacing it.
func ReplaceFile(ctx context.Context, addr, share, name string, data []byte) error {
	if err := RemoveFile(ctx, addr, share, name); err != nil && !errors.Is(err, ErrNoEnt) {
		return err
	}
	return WriteFile(ctx, addr, share, name, data)
}
