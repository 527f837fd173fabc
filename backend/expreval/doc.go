// Package expreval parses and evaluates DynamoDB's condition, filter and
// update expressions over items of package backend. The memory backend
// evaluates every expression with it, and any backend that stores items
// itself may do the same: it is a supported package for backend authors,
// so that a backend can pass the conformance suite without copying code
// from this module (examples/thirdparty does so).
//
// It follows DynamoDB, as recorded against DynamoDB Local 3.3.0: what
// DynamoDB accepts it evaluates alike, what DynamoDB refuses with a
// ValidationException it refuses with an error wrapping
// backend.ErrInvalidArgument, and what it does not implement it refuses
// with an error wrapping backend.ErrUnsupported ("memory: ... is not
// supported by the memory backend": the messages still name the memory
// backend, for which the package was written) rather than answer
// differently.
//
// # Use
//
// Parse takes the expressions of one request (backend.Expressions) and
// checks them all, as DynamoDB does, before anything is read; call it
// before reading the item. Then, with the item as stored (nil when there
// is none):
//
//   - Request.Condition.Eval(item) says whether the write may happen (nil
//     Condition: always);
//   - Request.Update.Apply(item) returns the item as the update leaves it,
//     without changing item; Update.Writes(name) says whether it writes a
//     top-level attribute (a backend refuses updates of key attributes),
//     and Update.WriteBytes the size of what it writes;
//   - Request.Filter.Eval(item) says whether a queried item stays in the
//     page (Condition.References tells a filter that reads a key
//     attribute, which DynamoDB refuses).
//
// Checking which parts a request may carry (a Put takes no update, a
// query only a filter) and the UTF-8 of the expressions
// (backend.Expressions.CheckSendable) is the caller's.
//
// # Supported subset
//
// This is the whole of DynamoDB's expression language for conditions,
// filters and updates, less the items under "Not supported" below. Key
// condition and projection expressions are not part of it: the backends
// build their own.
//
// Lexical rules. Keywords (AND, OR, NOT, BETWEEN, IN, SET, REMOVE, ADD,
// DELETE) are taken in any case; function names in lower case only. Tokens
// may be separated by spaces, tabs and line breaks. An expression is at
// most 4096 bytes, has at most 300 operators and functions (comparisons,
// BETWEEN, IN, AND, OR, NOT, function calls, and + and - in updates; not
// the = of SET, commas or parentheses), and comes to at most 1 MB with the
// names and values it uses substituted (names by their length, values by
// backend.ValueSize, once for each use), as in DynamoDB.
//
// Paths. A path is a top-level attribute followed by any of ".name" (a map
// key) and "[n]" (a list index, 0 to 2^31-1, no leading zeros), at most 32
// elements in all. Each name is an expression attribute name ("#" and
// letters, digits and underscores, at most 255 bytes) or a plain name (a
// letter, then letters, digits and underscores) that is none of DynamoDB's
// reserved words (refused as DynamoDB refuses them).
//
// Values. An expression attribute value (":" and letters, digits and
// underscores, at most 255 bytes) of any type DynamoDB stores. Values are
// checked as DynamoDB checks them (no empty sets, no duplicate members,
// valid numbers, no empty map keys, at most 32 levels of maps and lists),
// and so are names (non-empty).
//
// Placeholders. Every placeholder an expression uses must be defined, and
// every one defined must be used by one of the request's expressions.
// Empty Names and Values maps count as absent; non-empty ones with no
// expression at all are refused.
//
// Conditions and filters:
//
//   - comparisons a = b, a <> b, a < b, a <= b, a > b, a >= b, where each
//     operand is a path, a value or size(path or value): = and <> compare
//     any two values (numbers by value, sets in any order, lists and maps
//     element by element), the others numbers by value and strings and
//     binaries by their bytes; values of different types, and missing
//     attributes, make a comparison false (<> true), never an error;
//   - a BETWEEN lo AND hi, a IN (b, c, ...) with 1 to 100 operands;
//   - AND, OR, NOT (NOT binds tighter than AND, AND tighter than OR), and
//     parentheses around conditions and operands;
//   - attribute_exists(path), attribute_not_exists(path),
//     attribute_type(operand, :type), begins_with(a, b) on strings and
//     binaries, contains(a, b) on strings (substring), binaries, sets
//     (member of the set's type) and lists (element equal to b);
//   - size(operand): the length of a string in UTF-16 code units (as
//     DynamoDB Local counts; "é" is 1, "😀" is 2), of a binary in bytes,
//     the number of members or elements of a set, list or map; other types
//     and missing attributes have no size and make comparisons false.
//
// DynamoDB's checks before evaluation are made alike: the operand types
// known from values (<, <=, >, >= and BETWEEN take N, S and B; begins_with
// S and B; size S, B, sets, L and M; attribute_type a valid type name), a
// first operand that is a path also given as a later one ("#a = #a"),
// BETWEEN bounds that are values of different types or in the wrong
// order, redundant parentheses ("((a = :v))"), and functions where they
// are not allowed (if_not_exists in a condition, size as a condition).
// A missing item is evaluated as an item without attributes.
//
// Updates, with each of SET, REMOVE, ADD and DELETE at most once, in any
// order, actions separated by commas:
//
//   - SET path = operand, operand + operand, operand - operand, or
//     list_append(operand, operand), where an operand is a path, a value,
//     if_not_exists(path, operand), or one of these in parentheses;
//     arithmetic is exact, and a result DynamoDB cannot store (more than
//     38 significant digits, magnitude above 9.99...E+125 or below 1E-130)
//     is refused; a path operand that is missing is refused (even as the
//     second argument of if_not_exists, as in DynamoDB);
//   - REMOVE path: removing a missing attribute or map key, or a list index
//     past the end, does nothing;
//   - ADD path :value: adds a number (a missing attribute counts as 0) or
//     adds the members of a set to a set of the same type (a missing
//     attribute counts as empty);
//   - DELETE path :set: removes the members of the set; a set left empty is
//     removed (and a list element it was, as in DynamoDB); a missing
//     attribute is no error.
//
// As in DynamoDB, every operand is read from the item as it was before the
// update; list indices refer to the list as it was ("SET l[1] = :x REMOVE
// l[0]" replaces the second element and removes the first); setting or
// adding at an index past the end of a list appends, in index order; a
// path whose parent is missing or of the wrong type is refused ("The
// document path provided in the update expression is invalid for
// update"); two actions on overlapping paths ("a" and "a.b", or "a" twice)
// are refused; so are operands of the wrong type, for values before
// anything is read and for attributes when the item is read.
//
// Numbers come back from Apply as written when they are copied, and in the
// plain notation of backend.NormalizeNumber when they are computed; the
// memory backend normalizes top-level numbers as it does for every write.
// (DynamoDB Local keeps the spelling an update writes, "1.50" or "13.0";
// DynamoDB itself returns numbers normalized.)
//
// Refusals that are the caller's, not this package's: updating a key
// attribute (Update.Writes), a filter that reads a key attribute
// (Condition.References), and an item over DynamoDB's size limit after an
// update.
//
// # Not supported
//
// The plain attribute names "size" and "convert" (DynamoDB's documentation
// reserves them, DynamoDB Local does not): use an expression attribute
// name. This is refused with backend.ErrUnsupported.
//
// DynamoDB's limit on the total size of a request's expression attribute
// values (each expression is held to its own limits, above) is not
// checked. Error messages follow DynamoDB's but are not promised to match
// them word for word.
package expreval
