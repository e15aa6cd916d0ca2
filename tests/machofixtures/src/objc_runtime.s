; A stand-in for libobjc: defines _objc_msgSend, so that a linker that turns selector stubs
; into __objc_stubs (lld >= 16, as Apple's ld64 does) has the function the stubs call.
	.section	__TEXT,__text,regular,pure_instructions
	.globl	_objc_msgSend
	.p2align	2
_objc_msgSend:
	ret

.subsections_via_symbols
