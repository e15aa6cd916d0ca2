/* Required-reason Objective-C uses: a class reference (NSUserDefaults), selectors sent
 * (systemUptime, activeInputModes, fileModificationDate) and a Foundation constant
 * (NSFileCreationDate). The interfaces are declared here instead of coming from the SDK. */
__attribute__((objc_root_class))
@interface NSObject
+ (id)alloc;
@end
@interface NSUserDefaults : NSObject
+ (id)standardUserDefaults;
- (id)objectForKey:(id)key;
@end
@interface NSProcessInfo : NSObject
+ (id)processInfo;
- (double)systemUptime;
@end
@interface UITextInputMode : NSObject
+ (id)activeInputModes;
@end
@interface UIDocument : NSObject
- (id)fileModificationDate;
@end
extern id const NSFileCreationDate;

id rr_user_defaults(void) {
    return [[NSUserDefaults standardUserDefaults] objectForKey:NSFileCreationDate];
}

double rr_uptime(void) {
    return [[NSProcessInfo processInfo] systemUptime];
}

id rr_keyboards(void) {
    return [UITextInputMode activeInputModes];
}

id rr_document_date(UIDocument *doc) {
    return [doc fileModificationDate];
}
