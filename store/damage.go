package store

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged means the store's file is damaged: its pages are not what
// bbolt wrote. Errors that wrap it are *DamageError and say which file,
// what was found, and what to do.
var ErrDamaged = errors.New("store file is damaged")

// DamageError is a damaged file: Open returns it, and so does any read or
// write that meets a damaged page later (a page Open's check could not see,
// or one damaged while tocsin ran).
type DamageError struct {
	Path string // the file
	What string // the first problem found
	More int    // how many more Open found
}

// Error names the file and says what to do; it reads well after "TOCSIN_DB ".
func (e *DamageError) Error() string {
	what := e.What
	if e.More > 0 {
		what = fmt.Sprintf("%s (and %d more)", what, e.More)
	}
	return fmt.Sprintf("%s is damaged: %s; restore it from a backup (tocsin backup) and run `tocsin check --store` to see what is wrong", e.Path, what)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamageError) Is(target error) bool { return target == ErrDamaged }

// boltFile is the open bbolt file. Its View and Update run on the caller's
// goroutine with faults on the memory map made into panics
// (debug.SetPanicOnFault), and turn a panic that damage caused into a
// *DamageError: a damaged page fails the request that meets it, not the
// process. Once damage is seen, Update refuses to build on the file.
type boltFile struct {
	db      *bolt.DB
	path    string
	damaged atomic.Pointer[DamageError]
}

// View runs a guarded read transaction.
func (f *boltFile) View(fn func(*bolt.Tx) error) error {
	return f.guard(func() error { return f.db.View(fn) })
}

// Update runs a guarded write transaction, unless damage was seen.
func (f *boltFile) Update(fn func(*bolt.Tx) error) error {
	if d := f.damaged.Load(); d != nil {
		return d
	}
	return f.guard(func() error { return f.db.Update(fn) })
}

// closeWait bounds Close on a file that met damage.
const closeWait = 2 * time.Second

// Close closes the file. A write that met damage may leave bbolt's writer
// lock held (its rollback reads the damaged freelist again and panics
// before it lets go), and bbolt's Close would then wait for ever; so after
// damage Close gives up after closeWait and leaves the file to the end of
// the process.
func (f *boltFile) Close() error {
	d := f.damaged.Load()
	if d == nil {
		return f.db.Close()
	}
	done := make(chan error, 1)
	go func() { done <- f.db.Close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(closeWait):
		return fmt.Errorf("close store: bbolt did not let go of the file after a write met damage: %w", d)
	}
}

func (f *boltFile) guard(fn func() error) error {
	err := guard(f.path, fn)
	var d *DamageError
	if errors.As(err, &d) {
		f.damaged.CompareAndSwap(nil, d)
	}
	return err
}

// guard runs fn, which reads the bbolt file at path, on this goroutine
// with faults made into panics, and returns a *DamageError for a panic
// that damage caused. Any other panic (a bug in fn) goes on. bbolt's
// transactions roll back as the panic unwinds them, so the file stays
// usable.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		what, ok := damageIn(r)
		if !ok {
			panic(r)
		}
		err = &DamageError{Path: path, What: what}
	}()
	return fn()
}

// damageIn says whether a recovered panic came from damage, and what it
// was: a memory fault (only a read of the map outside the file faults), or
// any panic bbolt raised (its assertions, and slice bounds or nil pages
// from counts and offsets it did not check).
func damageIn(r any) (string, bool) {
	if f, ok := r.(interface{ Addr() uintptr }); ok {
		return fmt.Sprintf("a page lies outside the file (memory fault at %#x)", f.Addr()), true
	}
	if raisedIn("go.etcd.io/bbolt") {
		return fmt.Sprintf("bbolt: %v", r), true
	}
	return "", false
}

// raisedIn reports whether the panic being recovered was raised in package
// pkg (or below it): the first frame past runtime.gopanic and the
// runtime's own panic helpers. It must be called from the deferred
// function that recovers.
func raisedIn(pkg string) bool {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	panicking := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			panicking = true
		case panicking && !strings.HasPrefix(f.Function, "runtime."):
			return strings.HasPrefix(f.Function, pkg+".") || strings.HasPrefix(f.Function, pkg+"/")
		}
		if !more {
			return false
		}
	}
}
