/* Swift-shaped imports without a Swift compiler: asm labels give C references the mangled names
 * a Swift binary would import (a SwiftUI @AppStorage type descriptor, a Foundation
 * URLResourceValues.creationDate getter). The names are illustrative, not copied from a build. */
extern char app_storage[] __asm__("_$s7SwiftUI10AppStorageVMn");
extern char creation_date[] __asm__("_$s10Foundation17URLResourceValuesV12creationDateAA0D0VSgvg");

void *swiftish(int which) {
    return which ? (void *)app_storage : (void *)creation_date;
}
