MODULE BenchHe57;

	PROCEDURE Monotonic* (IN l: ARRAY OF INTEGER): BOOLEAN;
		VAR i: INTEGER; rising, falling: BOOLEAN;
	BEGIN
		rising := TRUE; falling := TRUE;
		FOR i := 1 TO LEN(l) - 1 DO
			IF l[i] <= l[i - 1] THEN rising := FALSE END;
			IF l[i] >= l[i - 1] THEN falling := FALSE END
		END;
		RETURN rising OR falling
	END Monotonic;

END BenchHe57.
