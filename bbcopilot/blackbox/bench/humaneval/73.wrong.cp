MODULE BenchHe73;

	PROCEDURE SmallestChange* (IN arr: ARRAY OF INTEGER): INTEGER;
		VAR i, n, changes: INTEGER;
	BEGIN
		n := LEN(arr); changes := 0;
		FOR i := 0 TO n - 1 DO
			IF arr[i] # arr[n - 1 - i] THEN INC(changes) END
		END;
		RETURN changes
	END SmallestChange;

END BenchHe73.
