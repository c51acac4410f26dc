import SensorLanguage
public import SensorModel

extension Dependency {
    /// The keys of a map `data` under which its filters read (the first key of each `data` and `exprs` path), or
    /// `nil` when they may read more: a `transform` or a `script` filter reads the whole data, and so does a path
    /// that does not start with a plain key (a pattern, `#`, a query, or the data itself).
    ///
    /// Filters evaluated on an event whose map `data` holds only the entries under these keys give the verdicts they
    /// give on the whole event: context and time filters read the attributes, and a path starting with key `k`
    /// reads only what is under `k`.
    public var dataKeysRead: Set<String>? {
        guard transform == nil else { return nil }
        guard let filters else { return [] }
        guard filters.script == nil else { return nil }
        var keys: Set<String> = []
        for filter in filters.data ?? [] {
            guard let key = Self.firstKeys(of: filter.path.form) else { return nil }
            keys.formUnion(key)
        }
        for filter in filters.exprs ?? [] {
            for field in filter.fields {
                guard let key = Self.firstKeys(of: field.path.form) else { return nil }
                keys.formUnion(key)
            }
        }
        return keys
    }

    /// The first keys of a path (one, or one per part of a multipath), or `nil` when one does not start with a
    /// plain key.
    private static func firstKeys(of form: GJSONPath.Form) -> Set<String>? {
        switch form {
        case .simple(let components):
            guard case .key(let key)? = components.first else { return nil }
            return [key]
        case .multi(let parts, _):
            var keys: Set<String> = []
            for part in parts {
                guard let partKeys = firstKeys(of: part.form) else { return nil }
                keys.formUnion(partKeys)
            }
            return keys
        }
    }
}
