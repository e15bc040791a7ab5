/**
 * Django's `JSONSerializer`, the default serializer of `@sess/core`. The implementation lives in core (as
 * in Django, where the sessions' serializer is `django.core.signing.JSONSerializer`); this package names it
 * for symmetry with `@sess/serializer-pickle`, so settings read `serializer: jsonSerializer`.
 */
export { jsonSerializer, SerializationError, type Serializer } from '@sess/core';
