package route

// CachedLen returns how many placements c's cache holds, for tests.
func CachedLen(c *Catalog) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cache)
}
