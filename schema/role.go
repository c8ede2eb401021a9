package schema

import "userdir/access"

// Role is access.Role: which entries a client sees. The schema package
// names it too because its entries are what roles look at.
type Role = access.Role

// The roles, as in package access.
const (
	RoleBook   = access.Book
	RoleReader = access.Reader
	RoleMTA    = access.MTA
	RoleAll    = access.All
)

// ParseRole returns the role named s; "all" is accepted only when allowAll
// is set. It is access.ParseRole.
func ParseRole(s string, allowAll bool) (Role, error) { return access.ParseRole(s, allowAll) }

// Access returns what a role looks at in e: its kind and whether its
// record is active and visible (access.Entry).
func (e *Entry) Access() (kind string, active, visible bool) {
	return e.Kind, e.Active, e.Visible
}

var _ access.Entry = (*Entry)(nil)
