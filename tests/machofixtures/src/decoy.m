/* Objective-C look-alikes: a class of its own that implements methods named like the APIs
 * (which it never sends), a selector that starts like one (statusBarStyle), and a class whose
 * name starts like NSUserDefaults. */
__attribute__((objc_root_class))
@interface NSObject
+ (id)alloc;
- (id)init;
@end
@interface NSUserDefaultsController : NSObject
+ (id)sharedUserDefaultsController;
@end
@interface UIApplication : NSObject
+ (id)sharedApplication;
- (long)statusBarStyle;
@end

@interface DecoyClock : NSObject
- (double)systemUptime;
- (id)fileModificationDate;
@end

@implementation DecoyClock
- (double)systemUptime { return 1.0; }
- (id)fileModificationDate { return 0; }
@end

long decoy_style(void) {
    (void)[NSUserDefaultsController sharedUserDefaultsController];
    return [[UIApplication sharedApplication] statusBarStyle];
}
