// Package layers holds no code: its test checks that the packages of the
// branch side and of the configuration stay light, linking neither the
// store's SQLite nor the LDAP protocol packages.
package layers
