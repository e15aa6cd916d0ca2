; [[NSProcessInfo processInfo] systemUptime] as Xcode 14+ clang compiles it for arm64
; (-fobjc-msgsend-selector-stubs, the default there): each message is a call of an imported
; stub named after its selector, "_objc_msgSend$<selector>"; the object has no __objc_selrefs
; and no __objc_methname. Debian's clang 14 cannot emit stubs from Objective-C, so this is the
; assembly Apple's clang writes (without its Lloh linker-optimisation hints), assembled by clang.
	.section	__TEXT,__text,regular,pure_instructions
	.globl	_rr_stub_uptime
	.p2align	2
_rr_stub_uptime:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	adrp	x8, _OBJC_CLASSLIST_REFERENCES_$_@PAGE
	ldr	x0, [x8, _OBJC_CLASSLIST_REFERENCES_$_@PAGEOFF]
	bl	"_objc_msgSend$processInfo"
	ldp	x29, x30, [sp], #16
	b	"_objc_msgSend$systemUptime"

	.section	__DATA,__objc_classrefs,regular,no_dead_strip
	.p2align	3
_OBJC_CLASSLIST_REFERENCES_$_:
	.quad	_OBJC_CLASS_$_NSProcessInfo

	.section	__DATA,__objc_imageinfo,regular,no_dead_strip
L_OBJC_IMAGE_INFO:
	.long	0
	.long	64

.subsections_via_symbols
