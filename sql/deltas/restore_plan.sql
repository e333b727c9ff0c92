reset enable_hashjoin;
reset enable_mergejoin;
