/** Upstream names of definitions the generator and the document builders treat specially. */
export const intOrStringDefinitionName = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const quantityDefinitionName = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
