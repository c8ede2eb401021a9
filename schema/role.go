package schema

import "fmt"

// Role decides which entries a client sees (SPEC §2.3).
type Role string

// The roles. RoleAll exists only for `userdir dump`: it adds inactive records.
const (
	RoleBook   Role = "book"   // active, visible mailboxes and aliases; anonymous limits apply
	RoleReader Role = "reader" // like book, without the anonymous limits
	RoleMTA    Role = "mta"    // every active entry, visible or not, aliases included
	RoleAll    Role = "all"    // everything, inactive records included (dump only)
)

// ParseRole returns the role named s; "all" is accepted only when allowAll is set.
func ParseRole(s string, allowAll bool) (Role, error) {
	switch r := Role(s); r {
	case RoleBook, RoleReader, RoleMTA:
		return r, nil
	case RoleAll:
		if allowAll {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want book, reader or mta)", s)
}

// Sees reports whether a client with role r may see e. The suffix and
// division entries are seen by every role.
func (r Role) Sees(e *Entry) bool {
	if e.Kind == "" {
		return true
	}
	switch r {
	case RoleAll:
		return true
	case RoleMTA:
		return e.Active
	case RoleBook, RoleReader:
		return e.Active && e.Visible // aliases too: "Отдел продаж" is found in the address book
	}
	return false
}

// Limited reports whether the anonymous anti-harvesting limits apply to r.
func (r Role) Limited() bool { return r == RoleBook }
