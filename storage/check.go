package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"hearth/facilitator"
	"hearth/room"
)

// A database file may come from anywhere (a backup restored, a disk that
// failed, someone's crafted file), and bbolt trusts its file: it maps it
// into memory and follows every page number it finds. A truncated file
// faults when a page past its end is touched, and a page that names itself
// as its own child makes bbolt's checker walk for ever. So before bbolt sees
// a file, Hearth reads its meta pages and walks its pages itself, with plain
// reads, each page at most once: work bounded by the file's size, and every
// page bbolt will follow known to lie inside the file and to be reached
// once. Faults that remain (a file cut short while it is read) become
// errors through debug.SetPanicOnFault.

// The layout of a bbolt file (go.etcd.io/bbolt/internal/common), in the
// machine's byte order: a page starts with a 16-byte header (id uint64,
// flags uint16, count uint16, overflow uint32); pages 0 and 1 hold the meta.
const (
	pageHeaderSize  = 16
	elementSize     = 16 // a branch or leaf page element
	metaSize        = 64
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	branchPageFlag  = 0x01
	leafPageFlag    = 0x02
	freelistFlag    = 0x10
	bucketLeafFlag  = 0x01
	noFreelist      = ^uint64(0)
	minPageSize     = 512
	maxPageSize     = 1 << 20
	inBucketSize    = 16 // a bucket's header in its value: root page, sequence
	ctxEveryNPages  = 256
	ctxEveryRecords = 256
)

// boltMeta is what Hearth reads from a meta page.
type boltMeta struct {
	pageSize uint32
	root     uint64 // the root bucket's page
	freelist uint64 // noFreelist when not kept in the file
	pgid     uint64 // the high-water mark: pages in use
	txid     uint64
}

// parseMeta reads the meta at the start of page b (header included).
func parseMeta(b []byte) (boltMeta, error) {
	if len(b) < pageHeaderSize+metaSize {
		return boltMeta{}, errors.New("too short for a meta page")
	}
	m := b[pageHeaderSize : pageHeaderSize+metaSize]
	ne := binary.NativeEndian
	if ne.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, errors.New("not a bbolt meta page")
	}
	if v := ne.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("bbolt file version %d, want %d", v, boltVersion)
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != ne.Uint64(m[56:]) {
		return boltMeta{}, errors.New("meta page checksum does not match")
	}
	return boltMeta{
		pageSize: ne.Uint32(m[8:]),
		root:     ne.Uint64(m[16:]),
		freelist: ne.Uint64(m[32:]),
		pgid:     ne.Uint64(m[40:]),
		txid:     ne.Uint64(m[48:]),
	}, nil
}

// checkMeta finds the meta page bbolt would use in head, the start of a
// file of size bytes (at least its first two pages, when it has them), and
// checks it against the file: the page size is sane, the file holds every
// page the meta counts, and the root and the freelist lie among them.
func checkMeta(head []byte, size int64) (boltMeta, error) {
	m0, err0 := parseMeta(head)
	pageSize := int64(m0.pageSize)
	if err0 != nil {
		// bbolt then looks for the second meta page at each possible size.
		for ps := int64(1024); ps <= maxPageSize && ps+pageHeaderSize+metaSize <= int64(len(head)); ps *= 2 {
			if m, err := parseMeta(head[ps:]); err == nil && int64(m.pageSize) == ps {
				pageSize = ps
				break
			}
		}
		if pageSize == 0 {
			return boltMeta{}, fmt.Errorf("not a database: the first meta page is damaged (%v) and no second one was found", err0)
		}
	}
	if pageSize < minPageSize || pageSize > maxPageSize || pageSize&(pageSize-1) != 0 {
		return boltMeta{}, fmt.Errorf("not a database: page size %d", pageSize)
	}
	if size < 2*pageSize {
		return boltMeta{}, fmt.Errorf("the file is truncated: %d bytes is less than its two meta pages of %d bytes", size, pageSize)
	}
	if int64(len(head)) < pageSize+pageHeaderSize+metaSize {
		return boltMeta{}, errors.New("not a database: its meta pages could not be read")
	}
	m1, err1 := parseMeta(head[pageSize:])
	// bbolt uses the meta with the higher transaction ID, if it is valid.
	m, err := m0, err0
	if err1 == nil && (err0 != nil || m1.txid > m0.txid) {
		m, err = m1, nil
	}
	if err != nil {
		return boltMeta{}, fmt.Errorf("not a database: both meta pages are damaged (%v; %v)", err0, err1)
	}
	if int64(m.pageSize) != pageSize {
		return boltMeta{}, fmt.Errorf("not a database: the meta pages disagree on the page size (%d and %d)", pageSize, m.pageSize)
	}
	pages := uint64(size / pageSize)
	if m.pgid > pages {
		return boltMeta{}, fmt.Errorf("the file is truncated: its meta page counts %d pages of %d bytes, but it has %d bytes (%d pages)", m.pgid, pageSize, size, pages)
	}
	if m.pgid < 4 {
		return boltMeta{}, fmt.Errorf("not a database: %d pages in use, fewer than a database has", m.pgid)
	}
	if m.root < 2 || m.root >= m.pgid {
		return boltMeta{}, fmt.Errorf("the meta page puts the root at page %d, outside pages 2 to %d", m.root, m.pgid-1)
	}
	if m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.pgid) {
		return boltMeta{}, fmt.Errorf("the meta page puts the freelist at page %d, outside pages 2 to %d", m.freelist, m.pgid-1)
	}
	return m, nil
}

// walker reads a file's pages, each at most once.
type walker struct {
	ctx      context.Context
	f        *os.File
	pageSize int64
	hwm      uint64
	seen     []bool // by page ID: reached, as a page or a page's overflow
	read     int
}

// page reads page id with its overflow, after checking that it lies inside
// the pages in use and that no other reference reached it before.
func (w *walker) page(id uint64, from string) ([]byte, error) {
	if id < 2 || id >= w.hwm {
		return nil, fmt.Errorf("%s names page %d, outside pages 2 to %d", from, id, w.hwm-1)
	}
	b := make([]byte, w.pageSize)
	if _, err := w.f.ReadAt(b, int64(id)*w.pageSize); err != nil {
		return nil, fmt.Errorf("read page %d: %w", id, err)
	}
	ne := binary.NativeEndian
	if got := ne.Uint64(b[0:]); got != id {
		return nil, fmt.Errorf("page %d (named by %s) says it is page %d", id, from, got)
	}
	overflow := uint64(ne.Uint32(b[12:]))
	if overflow >= w.hwm-id {
		return nil, fmt.Errorf("page %d runs %d pages past the last page in use, %d", id, overflow, w.hwm-1)
	}
	for i := id; i <= id+overflow; i++ {
		if w.seen[i] {
			return nil, fmt.Errorf("page %d is reached twice (again from %s)", i, from)
		}
		w.seen[i] = true
	}
	// Work is bounded by the pages in use; the context is looked at as it goes.
	if w.read += int(overflow) + 1; w.read >= ctxEveryNPages {
		w.read = 0
		if err := w.ctx.Err(); err != nil {
			return nil, err
		}
	}
	if overflow > 0 {
		b = append(b, make([]byte, int64(overflow)*w.pageSize)...)
		if _, err := w.f.ReadAt(b[w.pageSize:], int64(id+1)*w.pageSize); err != nil {
			return nil, fmt.Errorf("read page %d: %w", id, err)
		}
	}
	return b, nil
}

// walk checks the page tree of meta m: every branch and leaf page reached
// from the root bucket and every bucket in it, and the freelist page.
func (w *walker) walk(m boltMeta) error {
	w.seen = make([]bool, m.pgid)
	w.seen[0], w.seen[1] = true, true
	if m.freelist != noFreelist {
		if err := w.freelist(m.freelist); err != nil {
			return err
		}
	}
	stack := []uint64{m.root}
	from := []string{"the meta page"}
	for len(stack) > 0 {
		id, by := stack[len(stack)-1], from[len(from)-1]
		stack, from = stack[:len(stack)-1], from[:len(from)-1]
		b, err := w.page(id, by)
		if err != nil {
			return err
		}
		ne := binary.NativeEndian
		flags, count := ne.Uint16(b[8:]), int(ne.Uint16(b[10:]))
		switch flags {
		case branchPageFlag:
			if count == 0 {
				return fmt.Errorf("branch page %d is empty", id)
			}
			if pageHeaderSize+count*elementSize > len(b) {
				return fmt.Errorf("branch page %d counts %d elements, more than fit", id, count)
			}
			for i := range count {
				e := pageHeaderSize + i*elementSize
				pos, ksize := uint64(ne.Uint32(b[e:])), uint64(ne.Uint32(b[e+4:]))
				if uint64(e)+pos+ksize > uint64(len(b)) {
					return fmt.Errorf("branch page %d element %d points past the page", id, i)
				}
				stack = append(stack, ne.Uint64(b[e+8:]))
				from = append(from, fmt.Sprintf("branch page %d", id))
			}
		case leafPageFlag:
			roots, err := leafBuckets(b, fmt.Sprintf("leaf page %d", id))
			if err != nil {
				return err
			}
			for _, r := range roots {
				stack = append(stack, r)
				from = append(from, fmt.Sprintf("a bucket in leaf page %d", id))
			}
		default:
			return fmt.Errorf("page %d (named by %s) has flags %#x, not a branch or leaf page", id, by, flags)
		}
	}
	return nil
}

// leafBuckets checks the elements of the leaf page b (header included) and
// returns the root pages of the buckets it holds. Inline buckets, pages
// held inside a value, are checked in place: each is smaller than the page
// holding it, so the recursion ends.
func leafBuckets(b []byte, what string) ([]uint64, error) {
	ne := binary.NativeEndian
	count := int(ne.Uint16(b[10:]))
	if pageHeaderSize+count*elementSize > len(b) {
		return nil, fmt.Errorf("%s counts %d elements, more than fit", what, count)
	}
	var roots []uint64
	for i := range count {
		e := pageHeaderSize + i*elementSize
		flags := ne.Uint32(b[e:])
		pos, ksize, vsize := uint64(ne.Uint32(b[e+4:])), uint64(ne.Uint32(b[e+8:])), uint64(ne.Uint32(b[e+12:]))
		end := uint64(e) + pos + ksize + vsize
		if end > uint64(len(b)) {
			return nil, fmt.Errorf("%s element %d points past the page", what, i)
		}
		if flags&bucketLeafFlag == 0 {
			continue
		}
		v := b[uint64(e)+pos+ksize : end]
		if len(v) < inBucketSize {
			return nil, fmt.Errorf("%s element %d is a bucket too short for its header", what, i)
		}
		if root := ne.Uint64(v); root != 0 {
			roots = append(roots, root)
			continue
		}
		inline := v[inBucketSize:]
		if len(inline) < pageHeaderSize || ne.Uint16(inline[8:]) != leafPageFlag {
			return nil, fmt.Errorf("%s element %d holds an inline bucket that is not a leaf page", what, i)
		}
		more, err := leafBuckets(inline, fmt.Sprintf("the inline bucket in %s element %d", what, i))
		if err != nil {
			return nil, err
		}
		roots = append(roots, more...)
	}
	return roots, nil
}

// freelist checks the freelist page: the free pages it lists lie among the
// pages in use, once each.
func (w *walker) freelist(id uint64) error {
	b, err := w.page(id, "the meta page's freelist")
	if err != nil {
		return err
	}
	ne := binary.NativeEndian
	if flags := ne.Uint16(b[8:]); flags != freelistFlag {
		return fmt.Errorf("the freelist page %d has flags %#x, not a freelist's", id, flags)
	}
	start, count := pageHeaderSize, uint64(ne.Uint16(b[10:]))
	if count == 0xFFFF { // the real count is the first element
		if len(b) < pageHeaderSize+8 {
			return fmt.Errorf("the freelist page %d is too short", id)
		}
		count, start = ne.Uint64(b[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > uint64(len(b)-start)/8 {
		return fmt.Errorf("the freelist page %d lists %d pages, more than fit", id, count)
	}
	free := make(map[uint64]bool, count)
	for i := range count {
		p := ne.Uint64(b[uint64(start)+i*8:])
		if p < 2 || p >= w.hwm {
			return fmt.Errorf("the freelist names page %d, outside pages 2 to %d", p, w.hwm-1)
		}
		if free[p] {
			return fmt.Errorf("the freelist names page %d twice", p)
		}
		free[p] = true
	}
	return nil
}

// openRegular opens path for reading (and writing, when write is set, with
// create), refusing anything but a regular file before opening it: opening
// a FIFO waits for a writer, a device may act on being opened, and neither
// is a database. O_NONBLOCK keeps a FIFO swapped in after the look from
// blocking, and the open file is looked at again.
func openRegular(path string, write bool) (*os.File, error) {
	fi, err := os.Stat(path)
	switch {
	case err == nil && !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s is %s, not a database file", path, describeMode(fi.Mode()))
	case err != nil && !(write && errors.Is(err, os.ErrNotExist)):
		return nil, err
	}
	flag := os.O_RDONLY
	if write {
		flag = os.O_RDWR | os.O_CREATE
	}
	f, err := os.OpenFile(path, flag|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		return nil, err
	}
	ofi, err := f.Stat()
	if err == nil && !ofi.Mode().IsRegular() {
		err = fmt.Errorf("%s is %s, not a database file", path, describeMode(ofi.Mode()))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// OpenRegular opens the file at path for reading, refusing before it opens
// anything that is not a regular file (a folder, a FIFO, a device).
func OpenRegular(path string) (*os.File, error) { return openRegular(path, false) }

func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// preflight checks the open file f before bbolt maps it: its meta pages,
// its size against them, and its page tree. An empty file is left to bbolt,
// which makes a new database in it.
func preflight(ctx context.Context, f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size == 0 {
		return nil
	}
	head := make([]byte, min(size, 2*maxPageSize))
	if _, err := f.ReadAt(head, 0); err != nil {
		return fmt.Errorf("read meta pages: %w", err)
	}
	m, err := checkMeta(head, size)
	if err != nil {
		return err
	}
	w := &walker{ctx: ctx, f: f, pageSize: int64(m.pageSize), hwm: m.pgid}
	return w.walk(m)
}

// openChecked opens path for bbolt: a regular file, locked (shared when
// readOnly) within timeout, and passed by preflight. The file is handed to
// bbolt as it was checked, so no other file can be swapped in between.
func openChecked(ctx context.Context, path string, readOnly bool, timeout time.Duration) (*bolt.DB, error) {
	f, err := openRegular(path, !readOnly)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f, !readOnly, timeout); err != nil {
		f.Close()
		return nil, err
	}
	if err := guard(func() error { return preflight(ctx, f) }); err != nil {
		f.Close()
		return nil, err
	}
	var b *bolt.DB
	err = guard(func() error {
		var err error
		b, err = bolt.Open(path, 0o600, &bolt.Options{
			ReadOnly: readOnly,
			Timeout:  timeout,
			OpenFile: func(string, int, os.FileMode) (*os.File, error) { return f, nil },
		})
		return err
	})
	if err != nil {
		f.Close() // bbolt closes it on its own failures; a second close is harmless
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, ErrInUse
		}
		return nil, err
	}
	return b, nil
}

// guard runs fn with memory faults turned into errors: bbolt reads its file
// through a memory map, and a page past the end of a file cut short is a
// fault (SIGBUS), which would otherwise end the process. bbolt's panics on
// a damaged page become errors too.
func guard(fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if _, ok := r.(interface{ Addr() uintptr }); ok {
			err = fmt.Errorf("the file could not be read (%v): is it truncated or damaged?", r)
			return
		}
		if re, ok := r.(runtime.Error); ok {
			err = fmt.Errorf("the file is damaged: %v", re)
			return
		}
		err = fmt.Errorf("the file is damaged: %v", r)
	}()
	return fn()
}

// Check verifies the database file at path without changing it: a regular
// file, its meta pages and size, its page tree (see preflight), bbolt's own
// consistency check of every page, Hearth's schema key and buckets, and
// that every record decodes (an error names the bucket and key that does
// not). It returns ErrInUse when a server holds the file, and ctx's error
// when ctx is done before it finishes. Its work is bounded by the file's
// size, whatever the file holds.
func Check(ctx context.Context, path string) error {
	b, err := openChecked(ctx, path, true, time.Second)
	if err != nil {
		if errors.Is(err, ErrInUse) {
			return err
		}
		return fmt.Errorf("open %s: %w", path, err)
	}
	tx, err := b.Begin(false)
	if err != nil {
		b.Close()
		return err
	}
	// bbolt checks in a goroutine of its own, which sends until it is done:
	// drain it to the end in another, so that a cancelled check can return
	// at once and the file is still closed once bbolt has finished.
	problems := make(chan []string, 1)
	go func() {
		var ps []string
		n := 0
		for err := range tx.Check() {
			if n++; n <= 10 {
				ps = append(ps, err.Error())
			}
		}
		problems <- ps
	}()
	var ps []string
	select {
	case ps = <-problems:
	case <-ctx.Done():
		go func() {
			<-problems
			tx.Rollback()
			b.Close()
		}()
		return ctx.Err()
	}
	defer b.Close()
	defer tx.Rollback()
	if len(ps) > 0 {
		return fmt.Errorf("inconsistent: %s", strings.Join(ps, "; "))
	}
	return guard(func() error { return checkRecords(ctx, tx) })
}

// checkRecords checks the schema key and the buckets, and decodes every
// record.
func checkRecords(ctx context.Context, tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return errors.New("not a Hearth database: no meta bucket")
	}
	v := meta.Get([]byte("schema"))
	if !slices.Contains(readableSchemas, string(v)) {
		return fmt.Errorf("schema %q, want %q", v, schemaVersion)
	}
	for _, name := range allBuckets {
		if err := ctx.Err(); err != nil {
			return err
		}
		// A version 1 file gets room_history, and a version 1 or 2
		// file room_parts, when a server opens it.
		if string(v) == "1" && bytes.Equal(name, bucketHistory) || (string(v) == "1" || string(v) == "2") && bytes.Equal(name, bucketParts) {
			continue
		}
		bucket := tx.Bucket(name)
		if bucket == nil {
			return fmt.Errorf("bucket %s is missing", name)
		}
		decode, ok := recordDecoders[string(name)]
		if !ok {
			return fmt.Errorf("bucket %s: no way to check its records", name)
		}
		n := 0
		c := bucket.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if n++; n%ctxEveryRecords == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if v == nil && bucket.Bucket(k) != nil {
				return fmt.Errorf("bucket %s: key %q is a bucket, where records belong", name, k)
			}
			if err := decode(tx, k, v); err != nil {
				return fmt.Errorf("bucket %s, key %q: %w", name, k, err)
			}
		}
	}
	return nil
}

// recordDecoders says, for every bucket in allBuckets, how its records are
// checked: decoded as they are read, or, for indexes, their shape.
// TestEveryBucketHasADecoder fails for a bucket added without one.
var recordDecoders = map[string]func(tx *bolt.Tx, k, v []byte) error{
	string(bucketMeta):         func(_ *bolt.Tx, k, v []byte) error { return nil }, // schema, checked above
	string(bucketAccounts):     jsonAs[facilitator.Account],
	string(bucketEmails):       isID,
	string(bucketLogins):       jsonAs[facilitator.Login],
	string(bucketCohorts):      jsonAs[facilitator.Cohort],
	string(bucketParticipants): jsonAs[facilitator.Participant],
	string(bucketCohortPeople): isIndex,
	string(bucketTokens):       isID,
	string(bucketSessions): func(_ *bolt.Tx, k, v []byte) error {
		return decodeJSON(v, &sessionRecord{Session: new(facilitator.Session)})
	},
	string(bucketCohortSession): isIndex,
	string(bucketRooms): func(tx *bolt.Tx, k, v []byte) error {
		_, err := readRoom(tx, k, v) // with its parts and finished activities
		return err
	},
	string(bucketHistory):     jsonAs[room.Activity],
	string(bucketParts):       decodePart,
	string(bucketOpenRooms):   func(tx *bolt.Tx, k, v []byte) error { return hasRoom(tx, k) },
	string(bucketTemplates):   jsonAs[facilitator.Template],
	string(bucketAccountTmpl): isIndex,
	string(bucketNotes):       jsonAs[facilitator.Note],
	string(bucketCohortNotes): isIndex,
}

func decodeJSON(v []byte, into any) error {
	if err := json.Unmarshal(v, into); err != nil {
		return fmt.Errorf("does not decode: %w", err)
	}
	return nil
}

func jsonAs[T any](_ *bolt.Tx, _, v []byte) error {
	var x T
	return decodeJSON(v, &x)
}

// isID checks an index whose value is a record's ID.
func isID(_ *bolt.Tx, _, v []byte) error {
	if len(v) == 0 {
		return errors.New("holds no ID")
	}
	return nil
}

// isIndex checks an index of parent \x00 child keys with no value.
func isIndex(_ *bolt.Tx, k, v []byte) error {
	if len(v) != 0 || bytes.IndexByte(k, 0) <= 0 {
		return errors.New("is not an index entry (parent \\x00 child, no value)")
	}
	return nil
}

// decodePart decodes one part of a live room (record.go).
func decodePart(_ *bolt.Tx, k, v []byte) error {
	i := bytes.IndexByte(k, 0)
	if i <= 0 || i == len(k)-1 {
		return errors.New("is not a room's part (session \\x00 tag)")
	}
	var into any
	switch k[i+1] {
	case partMembers:
		into = new([]room.Member)
	case partAgenda:
		into = new([]room.Item)
	case partJourneys:
		into = new(room.Journeys)
	case partApplied:
		into = new([]room.AppliedAction)
	case partCare:
		into = new(carePart)
	case partThread:
		into = new(room.Thread)
	default:
		return fmt.Errorf("unknown part tag %q", k[i+1])
	}
	return decodeJSON(v, into)
}

// hasRoom checks that an open room has its record.
func hasRoom(tx *bolt.Tx, k []byte) error {
	if tx.Bucket(bucketRooms).Get(k) == nil {
		return errors.New("is open but has no room record")
	}
	return nil
}
