package nfsprobe

import (
	"bytes"
	"encoding/binary"
	"io"
)

// XDRWriter appends XDR (RFC 4506) big-endian words and padded opaques: the arguments of the
// ONC RPC calls the probe and the tests' NFS client make.
type XDRWriter struct{ bytes.Buffer }

// U32 appends an unsigned int.
func (w *XDRWriter) U32(v uint32) { _ = binary.Write(&w.Buffer, binary.BigEndian, v) }

// U64 appends an unsigned hyper.
func (w *XDRWriter) U64(v uint64) { _ = binary.Write(&w.Buffer, binary.BigEndian, v) }

// Opaque appends a variable-length opaque (or string), padded to four bytes.
func (w *XDRWriter) Opaque(p []byte) {
	w.U32(uint32(len(p)))
	w.Write(p)
	for i := len(p); i%4 != 0; i++ {
		w.WriteByte(0)
	}
}

// XDRReader reads what XDRWriter writes. It keeps the first error, so a decoder reads every
// field and checks Err once at the end.
type XDRReader struct {
	buf []byte
	off int
	err error
}

// NewXDRReader reads buf from its start.
func NewXDRReader(buf []byte) *XDRReader { return &XDRReader{buf: buf} }

// Err is the first error met, nil when every read fitted.
func (x *XDRReader) Err() error { return x.err }

// Rest is what has not been read yet.
func (x *XDRReader) Rest() []byte { return x.buf[x.off:] }

// U32 reads an unsigned int.
func (x *XDRReader) U32() uint32 {
	if x.err != nil {
		return 0
	}
	if x.off+4 > len(x.buf) {
		x.err = io.ErrUnexpectedEOF
		return 0
	}
	v := binary.BigEndian.Uint32(x.buf[x.off:])
	x.off += 4
	return v
}

// Skip passes over n bytes.
func (x *XDRReader) Skip(n int) {
	if x.err == nil && x.off+n > len(x.buf) {
		x.err = io.ErrUnexpectedEOF
	}
	if x.err == nil {
		x.off += n
	}
}

// Opaque reads a variable-length opaque; the result is a copy.
func (x *XDRReader) Opaque() []byte {
	n := int(x.U32())
	if x.err != nil {
		return nil
	}
	padded := (n + 3) &^ 3
	if n < 0 || x.off+padded > len(x.buf) {
		x.err = io.ErrUnexpectedEOF
		return nil
	}
	b := append([]byte(nil), x.buf[x.off:x.off+n]...)
	x.off += padded
	return b
}

// String reads a string.
func (x *XDRReader) String() string { return string(x.Opaque()) }
