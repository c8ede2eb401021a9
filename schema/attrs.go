package schema

import "strings"

// The OIDs of the directory's own schema elements: 2.25 arcs of fixed
// random UUIDs (ITU-T X.667).
const (
	// OIDUserdirKind is userdirKind's OID (UUID 2f1919df-f28d-42b7-8f34-dd3dd4865a7e).
	OIDUserdirKind = "2.25.62604048026540894669492396417293376126"
	// OIDUserdirEntry is the userdirEntry object class's OID (UUID 5e481bc0-9952-45d4-97ab-4ec383512052).
	OIDUserdirEntry = "2.25.125321839861913769160866496199814881362"
)

// text returns a Directory String type with the case-ignore rules.
func text(oid, name, desc string, aliases ...string) *AttributeType {
	return &AttributeType{OID: oid, Name: name, Aliases: aliases, Desc: desc,
		Equality: RuleCaseIgnore, Ordering: RuleCaseIgnoreOrder, Substr: RuleCaseIgnoreSubstr,
		Syntax: syntaxDirectoryString}
}

// named returns a subtype of name (RFC 4519 §2.18).
func named(oid, name, desc string, aliases ...string) *AttributeType {
	t := text(oid, name, desc, aliases...)
	t.Sup = "name"
	return t
}

// ia5 returns an IA5 String type with the case-ignore IA5 rules.
func ia5(oid, name, desc string, aliases ...string) *AttributeType {
	return &AttributeType{OID: oid, Name: name, Aliases: aliases, Desc: desc,
		Equality: RuleCaseIgnoreIA5, Ordering: RuleCaseIgnoreOrder, Substr: RuleCaseIgnoreIA5Sub,
		Syntax: syntaxIA5String}
}

// phone returns a Telephone Number type compared on digits (docs/directory.md#matching).
func phone(oid, name, desc string, aliases ...string) *AttributeType {
	return &AttributeType{OID: oid, Name: name, Aliases: aliases, Desc: desc,
		Equality: RulePhone, Substr: RulePhoneSubstr, Syntax: syntaxTelephoneNumber}
}

// operational returns a single-valued, read-only directoryOperation type.
func operational(oid, name, desc, syntax string, eq, ord *MatchingRule) *AttributeType {
	return &AttributeType{OID: oid, Name: name, Desc: desc, Equality: eq, Ordering: ord, Syntax: syntax,
		SingleValue: true, Operational: true, NoUserModification: true}
}

// dsa returns a multi-valued dSAOperation type of the RootDSE or subschema.
func dsa(oid, name, desc, syntax string, eq *MatchingRule) *AttributeType {
	return &AttributeType{OID: oid, Name: name, Desc: desc, Equality: eq, Syntax: syntax,
		Operational: true, NoUserModification: true}
}

// The attribute types the directory serves (RFC 4512, 4519, 4524, 2798,
// 3045, 4530, 3672; ipPhone from Active Directory; mailHost from Netscape).
var (
	AttrObjectClass = &AttributeType{OID: "2.5.4.0", Name: "objectClass", Desc: "object classes of the entry",
		Equality: RuleObjectIdentifier, Syntax: syntaxOID}
	AttrName             = text("2.5.4.41", "name", "supertype of the naming attributes")
	AttrCN               = named("2.5.4.3", "cn", "common name: the full name", "commonName")
	AttrSN               = named("2.5.4.4", "sn", "surname", "surname")
	AttrGivenName        = named("2.5.4.42", "givenName", "given name", "gn")
	AttrTitle            = named("2.5.4.12", "title", "job title")
	AttrOU               = named("2.5.4.11", "ou", "organizational unit: the department", "organizationalUnitName")
	AttrO                = named("2.5.4.10", "o", "organization: the division", "organizationName")
	AttrDisplayName      = text("2.16.840.1.113730.3.1.241", "displayName", "name shown in address books")
	AttrMail             = ia5("0.9.2342.19200300.100.1.3", "mail", "e-mail address", "rfc822Mailbox")
	AttrTelephoneNumber  = phone("2.5.4.20", "telephoneNumber", "city phone, then internal extension")
	AttrIPPhone          = phone("1.2.840.113556.1.4.721", "ipPhone", "internal extension")
	AttrMobile           = phone("0.9.2342.19200300.100.1.41", "mobile", "mobile phone", "mobileTelephoneNumber")
	AttrRoomNumber       = text("0.9.2342.19200300.100.1.6", "roomNumber", "office room")
	AttrOffice           = text("2.5.4.19", "physicalDeliveryOfficeName", "office room")
	AttrDepartmentNumber = text("2.16.840.1.113730.3.1.2", "departmentNumber", "department")
	AttrDC               = singleValued(ia5("0.9.2342.19200300.100.1.25", "dc", "domain component", "domainComponent"))
	AttrMailHost         = singleValued(ia5("2.16.840.1.113730.3.1.18", "mailHost", "mail server of the division"))
	AttrUserdirKind      = singleValued(ia5(OIDUserdirKind, "userdirKind", "mailbox or alias"))

	AttrEntryUUID       = operational("1.3.6.1.1.16.4", "entryUUID", "UUID of the entry", syntaxUUID, RuleUUID, RuleUUIDOrder)
	AttrCreateTimestamp = operational("2.5.18.1", "createTimestamp", "time the entry was added",
		syntaxGeneralizedTime, RuleTime, RuleTimeOrder)
	AttrModifyTimestamp = operational("2.5.18.2", "modifyTimestamp", "time the entry was last changed",
		syntaxGeneralizedTime, RuleTime, RuleTimeOrder)
	AttrEntryDN           = operational("1.3.6.1.1.20", "entryDN", "DN of the entry", syntaxDN, RuleDN, nil)
	AttrSubschemaSubentry = operational("2.5.18.10", "subschemaSubentry", "name of the controlling subschema",
		syntaxDN, RuleDN, nil)
	AttrHasSubordinates = operational("2.5.18.9", "hasSubordinates", "whether the entry has subordinates",
		syntaxBoolean, RuleBoolean, nil)
	AttrStructuralObjectClass = operational("2.5.21.9", "structuralObjectClass", "structural object class of the entry",
		syntaxOID, RuleObjectIdentifier, nil)

	AttrNamingContexts       = dsa("1.3.6.1.4.1.1466.101.120.5", "namingContexts", "naming contexts", syntaxDN, nil)
	AttrSupportedLDAPVersion = dsa("1.3.6.1.4.1.1466.101.120.15", "supportedLDAPVersion", "supported LDAP versions",
		syntaxInteger, RuleInteger)
	AttrSupportedControl = dsa("1.3.6.1.4.1.1466.101.120.13", "supportedControl", "supported controls",
		syntaxOID, RuleObjectIdentifier)
	AttrSupportedExtension = dsa("1.3.6.1.4.1.1466.101.120.7", "supportedExtension", "supported extended operations",
		syntaxOID, RuleObjectIdentifier)
	AttrSupportedFeatures = dsa("1.3.6.1.4.1.4203.1.3.5", "supportedFeatures", "features supported by the server",
		syntaxOID, RuleObjectIdentifier)
	AttrVendorName = singleValued(dsa("1.3.6.1.1.4", "vendorName", "name of the server's vendor",
		syntaxIA5String, RuleCaseExactIA5))
	AttrVendorVersion = singleValued(dsa("1.3.6.1.1.5", "vendorVersion", "version of the server",
		syntaxIA5String, RuleCaseExactIA5))

	AttrAttributeTypes = dsa("2.5.21.5", "attributeTypes", "attribute types served",
		syntaxAttributeTypeDesc, RuleOIDFirst)
	AttrObjectClasses = dsa("2.5.21.6", "objectClasses", "object classes served",
		syntaxObjectClassDesc, RuleOIDFirst)
	AttrMatchingRules = dsa("2.5.21.4", "matchingRules", "matching rules implemented",
		syntaxMatchingRuleDesc, RuleOIDFirst)
	AttrLDAPSyntaxes = dsa("1.3.6.1.4.1.1466.101.120.16", "ldapSyntaxes", "LDAP syntaxes known",
		syntaxLDAPSyntaxDesc, RuleOIDFirst)
)

func singleValued(t *AttributeType) *AttributeType { t.SingleValue = true; return t }

var (
	attrList  []*AttributeType
	attrIndex map[string]*AttributeType
	subtypes  map[*AttributeType][]*AttributeType // a type and its subtypes, for filters
)

func initAttributes() {
	attrList = []*AttributeType{AttrObjectClass, AttrName, AttrCN, AttrSN, AttrGivenName, AttrDisplayName,
		AttrMail, AttrTelephoneNumber, AttrIPPhone, AttrMobile, AttrRoomNumber, AttrOffice, AttrTitle, AttrOU,
		AttrDepartmentNumber, AttrO, AttrDC, AttrMailHost, AttrUserdirKind,
		AttrEntryUUID, AttrCreateTimestamp, AttrModifyTimestamp, AttrEntryDN, AttrSubschemaSubentry,
		AttrHasSubordinates, AttrStructuralObjectClass, AttrNamingContexts, AttrSupportedLDAPVersion,
		AttrSupportedControl, AttrSupportedExtension, AttrSupportedFeatures, AttrVendorName, AttrVendorVersion,
		AttrAttributeTypes, AttrObjectClasses, AttrMatchingRules, AttrLDAPSyntaxes}
	attrIndex = make(map[string]*AttributeType, 3*len(attrList))
	subtypes = make(map[*AttributeType][]*AttributeType, len(attrList))
	for _, t := range attrList {
		attrIndex[strings.ToLower(t.Name)] = t
		attrIndex[t.OID] = t
		for _, a := range t.Aliases {
			attrIndex[strings.ToLower(a)] = t
		}
	}
	for _, t := range attrList {
		subtypes[t] = append(subtypes[t], t)
		for s := t; s.Sup != ""; {
			s = attrIndex[strings.ToLower(s.Sup)]
			subtypes[s] = append(subtypes[s], t)
		}
	}
}

// LookupAttribute returns the attribute type called name (its name or an
// alias, case-insensitive, or its numeric OID), or nil if it is unknown.
func LookupAttribute(name string) *AttributeType {
	if t, ok := attrIndex[name]; ok {
		return t
	}
	return attrIndex[strings.ToLower(name)]
}

// AttributeTypes returns every attribute type the directory serves, for the subschema.
func AttributeTypes() []*AttributeType {
	return append([]*AttributeType(nil), attrList...)
}

// Subtypes returns t and the types derived from it: a filter on t matches
// their values too (RFC 4512 §2.5.1; name matches cn, sn, givenName, …).
// The slice is shared and must not be modified.
func Subtypes(t *AttributeType) []*AttributeType {
	return subtypes[t]
}

// usage returns the USAGE keyword of t for its description (RFC 4512 §4.1.2).
func (t *AttributeType) usage() string {
	switch {
	case !t.Operational:
		return ""
	case isRootDSEType(t):
		return "dSAOperation"
	}
	return "directoryOperation"
}

func isRootDSEType(t *AttributeType) bool {
	switch t {
	case AttrNamingContexts, AttrSupportedLDAPVersion, AttrSupportedControl, AttrSupportedExtension,
		AttrSupportedFeatures, AttrVendorName, AttrVendorVersion:
		return true
	}
	return false
}
