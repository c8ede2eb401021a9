// Package schema turns store records into LDAP entries and holds what the
// directory knows about them: the DIT layout (docs/directory.md#the-tree), the attribute
// mapping (docs/directory.md#attributes), attribute types with their matching rules (RFC 4517, RFC
// 4518 with the phone-number and ё/е rules of docs/directory.md#matching), search filters (RFC 4515)
// with a three-valued evaluator (RFC 4511 §4.5.1.7), the subschema (RFC
// 4512), DNs (RFC 4514) and LDIF (RFC 2849). The roles that decide who
// sees which entry are package access's; Role here names the same type.
package schema
