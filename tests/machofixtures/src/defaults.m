/* A vendored SDK's static library that uses User defaults and nothing else on Apple's list, as a
 * background-fetch module keeps its state: a class reference (NSUserDefaults) and two selectors
 * that are no required-reason API themselves. The interfaces are declared here instead of coming
 * from the SDK. */
__attribute__((objc_root_class))
@interface NSObject
+ (id)alloc;
@end
@interface NSUserDefaults : NSObject
+ (id)standardUserDefaults;
- (void)setBool:(signed char)value forKey:(id)key;
@end

void defaults_remember(id key) {
    [[NSUserDefaults standardUserDefaults] setBool:1 forKey:key];
}
