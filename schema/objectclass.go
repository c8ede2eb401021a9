package schema

import "strings"

// objectClass is one object class the subschema publishes (RFC 4512 §4.1.1).
type objectClass struct {
	OID   string
	Name  string
	lower string // lower-case Name: the objectIdentifierMatch normalization
	Desc  string
	Sup   string
	Kind  string // ABSTRACT, STRUCTURAL or AUXILIARY
	Must  []string
	May   []string
}

// The object classes served (RFC 4512, 4519, 2798, 2247, 3672, and
// extensibleObject of RFC 4512 §4.3 for the RootDSE), limited in
// MUST/MAY to the attribute types this directory has. subentry omits
// subtreeSpecification, which the directory does not serve.
var objectClassList = []*objectClass{
	{OID: "2.5.6.0", Name: "top", Kind: "ABSTRACT", Must: []string{"objectClass"}},
	{OID: "1.3.6.1.4.1.1466.344", Name: "dcObject", Sup: "top", Kind: "AUXILIARY", Must: []string{"dc"}},
	{OID: "2.5.6.4", Name: "organization", Sup: "top", Kind: "STRUCTURAL", Must: []string{"o"},
		May: []string{"telephoneNumber", "physicalDeliveryOfficeName"}},
	{OID: "2.5.6.5", Name: "organizationalUnit", Sup: "top", Kind: "STRUCTURAL", Must: []string{"ou"},
		May: []string{"telephoneNumber", "physicalDeliveryOfficeName"}},
	{OID: "2.5.6.6", Name: "person", Sup: "top", Kind: "STRUCTURAL", Must: []string{"sn", "cn"},
		May: []string{"telephoneNumber"}},
	{OID: "2.5.6.7", Name: "organizationalPerson", Sup: "person", Kind: "STRUCTURAL",
		May: []string{"title", "telephoneNumber", "ou", "physicalDeliveryOfficeName"}},
	{OID: "2.16.840.1.113730.3.2.2", Name: "inetOrgPerson", Sup: "organizationalPerson", Kind: "STRUCTURAL",
		May: []string{"departmentNumber", "displayName", "givenName", "mail", "mobile", "o", "roomNumber"}},
	{OID: OIDUserdirEntry, Name: "userdirEntry", Desc: "userdir: extension, mail server and kind of an address",
		Sup: "top", Kind: "AUXILIARY", May: []string{"ipPhone", "mailHost", "userdirKind"}},
	{OID: "1.3.6.1.4.1.1466.101.120.111", Name: "extensibleObject", Desc: "the RootDSE's class",
		Sup: "top", Kind: "AUXILIARY"},
	{OID: "2.5.17.0", Name: "subentry", Sup: "top", Kind: "STRUCTURAL", Must: []string{"cn"}},
	{OID: "2.5.20.1", Name: "subschema", Kind: "AUXILIARY",
		May: []string{"objectClasses", "attributeTypes", "matchingRules", "ldapSyntaxes"}},
}

var objectClassIndex = func() map[string]*objectClass {
	m := make(map[string]*objectClass, 2*len(objectClassList))
	for _, oc := range objectClassList {
		oc.lower = strings.ToLower(oc.Name)
		m[oc.lower] = oc
		m[oc.OID] = oc
	}
	return m
}()

// lookupObjectClass returns the object class named nameOrOID, or nil.
func lookupObjectClass(nameOrOID string) *objectClass {
	if oc, ok := objectClassIndex[nameOrOID]; ok {
		return oc
	}
	return objectClassIndex[strings.ToLower(nameOrOID)]
}
