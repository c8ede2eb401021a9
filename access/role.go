// Package access names the roles a directory client can have and decides
// what each of them sees (docs/roles.md). It is a leaf: the configuration
// checks role names with it, and the directory applies it to entries.
package access

import "fmt"

// Role decides which entries a client sees.
type Role string

// The roles. All exists only for `userdir dump`: it adds inactive records.
const (
	Book   Role = "book"   // active, visible mailboxes and aliases; anonymous limits apply
	Reader Role = "reader" // like book, without the anonymous limits
	MTA    Role = "mta"    // every active entry, visible or not, aliases included
	All    Role = "all"    // everything, inactive records included (dump only)
)

// ParseRole returns the role named s; "all" is accepted only when allowAll is set.
func ParseRole(s string, allowAll bool) (Role, error) {
	switch r := Role(s); r {
	case Book, Reader, MTA:
		return r, nil
	case All:
		if allowAll {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want book, reader or mta)", s)
}

// Entry is what a role looks at in an entry: its kind ("" for the suffix
// and division entries, else mailcmd.KindMailbox or mailcmd.KindAlias) and
// whether its record is active and visible.
type Entry interface {
	Access() (kind string, active, visible bool)
}

// Sees reports whether a client with role r may see e. The suffix and
// division entries are seen by every role.
func (r Role) Sees(e Entry) bool {
	kind, active, visible := e.Access()
	if kind == "" {
		return true
	}
	switch r {
	case All:
		return true
	case MTA:
		return active
	case Book, Reader:
		return active && visible // aliases too: "Отдел продаж" is found in the address book
	}
	return false
}

// Limited reports whether the anonymous anti-harvesting limits apply to r.
func (r Role) Limited() bool { return r == Book }
