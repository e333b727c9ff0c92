reset enable_hashjoin;
reset enable_mergejoin;
reset enable_memoize;
