MODULE BenchHe54;

	PROCEDURE Contains (IN s: ARRAY OF CHAR; ch: CHAR): BOOLEAN;
		VAR i: INTEGER;
	BEGIN
		i := 0;
		WHILE (s[i] # 0X) & (s[i] # ch) DO INC(i) END;
		RETURN s[i] # 0X
	END Contains;

	PROCEDURE AllIn (IN s, t: ARRAY OF CHAR): BOOLEAN;
		VAR i: INTEGER;
	BEGIN
		i := 0;
		WHILE (s[i] # 0X) & Contains(t, s[i]) DO INC(i) END;
		RETURN s[i] = 0X
	END AllIn;

	PROCEDURE SameChars* (IN s0, s1: ARRAY OF CHAR): BOOLEAN;
	BEGIN
		RETURN AllIn(s0, s1)
	END SameChars;

END BenchHe54.
