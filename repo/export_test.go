package repo

// RaceOn reports, to the tests of package repo_test, whether the race
// detector is on.
const RaceOn = raceOn

// MinAllocs is minAllocs, for the tests of package repo_test.
var MinAllocs = minAllocs
