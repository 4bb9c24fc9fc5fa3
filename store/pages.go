package store

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"slices"
	"unicode/utf8"
)

// bbolt reads its file through a memory map with unchecked pointer
// arithmetic, so a damaged page can make it fault (a page past the end of
// the file), panic with "assertion failed", or, given a page that points
// back at an ancestor, recurse until the stack overflows. A fault is fatal
// on any goroutine that has not asked for debug.SetPanicOnFault, and
// bbolt's own consistency check (Tx.Check) runs on a goroutine of its own;
// a stack overflow is fatal everywhere. So before bbolt walks a file, the
// store walks it itself here, reading the file rather than the map and
// checking every offset first: if this walk finds nothing, every page bbolt
// can reach is in the file, says it is the page it was reached as, is
// reached once, and holds its elements within its bounds.
//
// The format is bbolt's (version 2, unchanged since boltdb): a 16-byte page
// header (id u64, flags u16, count u16, overflow u32) followed by count
// 16-byte elements; integers in the machine's byte order.

const (
	pageHeaderSize = 16
	elementSize    = 16
	metaSize       = 64 // up to and including the checksum
	bucketHeader   = 16 // root page id u64, sequence u64

	branchPage   = 0x01
	leafPage     = 0x02
	freelistPage = 0x10
	bucketLeaf   = 0x01

	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	noFreelist     = ^uint64(0)
	maxDepth       = 64 // far deeper than any real tree of buckets
	maxPageProblem = 20 // a walk stops listing problems after this many
)

var ne = binary.NativeEndian

// rootBucket names, in messages, the bucket that holds the top-level ones.
const rootBucket = "the root bucket"

// boltMeta is the part of a meta page the walk needs.
type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64 // the high-water mark: pages in use
	txid     uint64
}

// pageWalk checks a file's pages; problems lists what it found.
type pageWalk struct {
	f        io.ReaderAt
	pageSize int64
	meta     boltMeta
	seen     []bool // pages reached from the root or the freelist
	freed    map[uint64]bool
	bufs     [][]byte // a page buffer for each depth of the walk
	problems []string
}

// walkPages checks the bbolt structure of the file at path and returns its
// problems, none for a sound file.
func walkPages(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	w := &pageWalk{f: f, freed: map[uint64]bool{}}
	if !w.readMeta(fi.Size()) {
		return w.problems, nil
	}
	w.seen = make([]bool, w.meta.pgid)
	w.seen[0], w.seen[1] = true, true
	w.readFreelist()
	w.page(w.meta.root, rootBucket, 0)
	return w.problems, nil
}

func (w *pageWalk) problem(format string, args ...any) {
	if len(w.problems) < maxPageProblem {
		w.problems = append(w.problems, fmt.Sprintf(format, args...))
	}
}

// readMeta chooses the meta page bbolt would (the valid one with the
// higher transaction id) and checks that what it points at is in the file.
func (w *pageWalk) readMeta(size int64) bool {
	m0, err0 := w.metaAt(0)
	w.pageSize = int64(os.Getpagesize())
	if err0 == nil {
		w.pageSize = int64(m0.pageSize)
	}
	m1, err1 := w.metaAt(w.pageSize)
	if err0 != nil && err1 == nil && int64(m1.pageSize) != w.pageSize {
		w.pageSize = int64(m1.pageSize)
		m1, err1 = w.metaAt(w.pageSize)
	}
	switch {
	case err0 != nil && err1 != nil:
		w.problem("neither meta page is valid (page 0: %v; page 1: %v)", err0, err1)
		return false
	case err1 != nil || (err0 == nil && m0.txid >= m1.txid):
		w.meta = m0
	default:
		w.meta = m1
	}
	m := w.meta
	if w.pageSize < 1024 || w.pageSize > 1<<20 {
		w.problem("the meta page gives a page size of %d bytes", w.pageSize)
		return false
	}
	switch pages := size / w.pageSize; {
	case m.pgid < 4 || m.pgid > uint64(pages):
		w.problem("the file has %d pages of %d bytes but its meta page says %d are in use (truncated?)", pages, w.pageSize, m.pgid)
	case m.root < 2 || m.root >= m.pgid:
		w.problem("the root bucket is at page %d, outside the %d pages in use", m.root, m.pgid)
	case m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.pgid):
		w.problem("the freelist is at page %d, outside the %d pages in use", m.freelist, m.pgid)
	default:
		return true
	}
	return false
}

// metaAt reads and validates the meta page at offset off.
func (w *pageWalk) metaAt(off int64) (boltMeta, error) {
	b := make([]byte, pageHeaderSize+metaSize)
	if _, err := w.f.ReadAt(b, off); err != nil {
		return boltMeta{}, fmt.Errorf("unreadable: %w", err)
	}
	b = b[pageHeaderSize:]
	h := fnv.New64a()
	h.Write(b[:56])
	switch {
	case ne.Uint32(b[0:]) != boltMagic:
		return boltMeta{}, fmt.Errorf("not a bbolt meta page")
	case ne.Uint32(b[4:]) != boltVersion:
		return boltMeta{}, fmt.Errorf("format version %d", ne.Uint32(b[4:]))
	case ne.Uint64(b[56:]) != h.Sum64():
		return boltMeta{}, fmt.Errorf("checksum mismatch")
	}
	return boltMeta{pageSize: ne.Uint32(b[8:]), root: ne.Uint64(b[16:]), freelist: ne.Uint64(b[32:]),
		pgid: ne.Uint64(b[40:]), txid: ne.Uint64(b[48:])}, nil
}

// span reads page id and its overflow pages into the buffer of depth,
// after checking its header: that it is in use, not reached before, says
// it is page id, and has one of the flags in want. It marks the pages
// reached; nil means a problem.
func (w *pageWalk) span(id uint64, bucket string, depth int, want ...uint16) []byte {
	if id < 2 || id >= w.meta.pgid {
		w.problem("%s: page %d is outside the %d pages in use", bucket, id, w.meta.pgid)
		return nil
	}
	if w.seen[id] {
		w.problem("%s: page %d is reached twice", bucket, id)
		return nil
	}
	b := w.buffer(depth, 1)
	if _, err := w.f.ReadAt(b, int64(id)*w.pageSize); err != nil {
		w.problem("%s: page %d is unreadable: %v", bucket, id, err)
		return nil
	}
	gotID, flags, overflow := ne.Uint64(b), ne.Uint16(b[8:]), uint64(ne.Uint32(b[12:]))
	switch {
	case gotID != id:
		w.problem("%s: page %d says it is page %d", bucket, id, gotID)
		return nil
	case !slices.Contains(want, flags):
		w.problem("%s: page %d has page type %#x", bucket, id, flags)
		return nil
	case id+overflow >= w.meta.pgid:
		w.problem("%s: page %d runs %d pages past the %d pages in use", bucket, id, id+overflow+1-w.meta.pgid, w.meta.pgid)
		return nil
	}
	for p := id; p <= id+overflow; p++ {
		if w.seen[p] {
			w.problem("%s: page %d overlaps page %d, reached before", bucket, id, p)
			return nil
		}
		if w.freed[p] {
			w.problem("%s: page %d is in use and also in the freelist", bucket, p)
		}
		w.seen[p] = true
	}
	if overflow > 0 {
		b = w.buffer(depth, 1+overflow)
		if _, err := w.f.ReadAt(b[w.pageSize:], int64(id+1)*w.pageSize); err != nil {
			w.problem("%s: page %d is unreadable: %v", bucket, id, err)
			return nil
		}
	}
	return b
}

// buffer returns the walk's buffer for a page at depth, n pages long, with
// its first page kept: a page's buffer is reused for the next page at its
// depth once the walk below it is done.
func (w *pageWalk) buffer(depth int, n uint64) []byte {
	for len(w.bufs) <= depth {
		w.bufs = append(w.bufs, make([]byte, w.pageSize))
	}
	size := int64(n) * w.pageSize
	if int64(cap(w.bufs[depth])) < size {
		w.bufs[depth] = append(w.bufs[depth][:w.pageSize], make([]byte, size-w.pageSize)...)
	}
	return w.bufs[depth][:size]
}

// readFreelist checks the freelist page and the ids it lists.
func (w *pageWalk) readFreelist() {
	if w.meta.freelist == noFreelist {
		return
	}
	b := w.span(w.meta.freelist, "the freelist", 0, freelistPage)
	if b == nil {
		return
	}
	first, count := uint64(0), uint64(ne.Uint16(b[10:]))
	if count == 0xFFFF { // the real count is the first element
		first, count = 1, ne.Uint64(b[pageHeaderSize:])
	}
	if room := uint64(len(b)-pageHeaderSize) / 8; count > room || first+count > room {
		w.problem("the freelist lists %d pages but has room for %d", count, room)
		return
	}
	for i := first; i < first+count; i++ {
		id := ne.Uint64(b[pageHeaderSize+8*i:])
		if id < 2 || id >= w.meta.pgid {
			w.problem("the freelist lists page %d, outside the %d pages in use", id, w.meta.pgid)
			return
		}
		w.freed[id] = true
	}
}

// page walks the tree of a bucket (named for messages) from page id.
func (w *pageWalk) page(id uint64, bucket string, depth int) {
	if depth > maxDepth {
		w.problem("%s: the tree is more than %d levels deep at page %d", bucket, maxDepth, id)
		return
	}
	if b := w.span(id, bucket, depth, branchPage, leafPage); b != nil {
		w.elements(b, id, bucket, depth)
	}
}

// elements checks the elements of a branch or leaf page held in b (page
// id and its overflow, or an inline bucket's value: id 0) and walks what
// they point at.
func (w *pageWalk) elements(b []byte, id uint64, bucket string, depth int) {
	where := fmt.Sprintf("%s: page %d", bucket, id)
	if id == 0 {
		where = bucket + ": its inline page"
	}
	flags, count := ne.Uint16(b[8:]), int(ne.Uint16(b[10:]))
	if pageHeaderSize+count*elementSize > len(b) {
		w.problem("%s has %d elements, more than fit in %d bytes", where, count, len(b))
		return
	}
	if flags == branchPage && count == 0 {
		w.problem("%s is a branch page with no elements", where)
		return
	}
	for i := range count {
		off := int64(pageHeaderSize + i*elementSize)
		e := b[off:]
		if flags == branchPage {
			if off+int64(ne.Uint32(e[0:]))+int64(ne.Uint32(e[4:])) > int64(len(b)) {
				w.problem("%s: key %d lies outside the page", where, i)
				return
			}
			w.page(ne.Uint64(e[8:]), bucket, depth+1)
			continue
		}
		lflags, pos, ksize, vsize := ne.Uint32(e[0:]), int64(ne.Uint32(e[4:])), int64(ne.Uint32(e[8:])), int64(ne.Uint32(e[12:]))
		key, end := off+pos, off+pos+ksize+vsize
		if end > int64(len(b)) {
			w.problem("%s: entry %d lies outside the page", where, i)
			return
		}
		if lflags&bucketLeaf != 0 {
			w.bucket(b[key+ksize:end], bucketPath(bucket, b[key:key+ksize]), depth+1)
		}
	}
}

// bucket walks a nested bucket from its header v: its own tree, or the
// page inline in v.
func (w *pageWalk) bucket(v []byte, bucket string, depth int) {
	if len(v) < bucketHeader {
		w.problem("%s: a bucket header of %d bytes", bucket, len(v))
		return
	}
	if root := ne.Uint64(v); root != 0 {
		w.page(root, bucket, depth)
		return
	}
	inline := v[bucketHeader:]
	switch {
	case len(inline) < pageHeaderSize || ne.Uint16(inline[8:]) != leafPage:
		w.problem("%s: an inline bucket that is not a leaf page", bucket)
	case depth > maxDepth:
		w.problem("%s: buckets nested more than %d deep", bucket, maxDepth)
	default:
		w.elements(inline, 0, bucket, depth)
	}
}

// bucketPath names a nested bucket for messages: "events/12" for an
// incident's timeline (8-byte keys are ids).
func bucketPath(parent string, key []byte) string {
	name := fmt.Sprintf("%q", key)
	if len(key) == 8 {
		name = fmt.Sprint(btoi(key))
	} else if utf8.Valid(key) {
		name = string(key)
	}
	if parent == rootBucket {
		return "bucket " + name
	}
	return parent + "/" + name
}
