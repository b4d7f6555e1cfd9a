MODULE BenchSaturatingSum;

	IMPORT BenchTypes;

	PROCEDURE SaturatingSum* (a: BenchTypes.IntList): INTEGER;
		VAR i: INTEGER; sum: LONGINT;
	BEGIN
		sum := 0;
		FOR i := 0 TO LEN(a^) - 1 DO sum := sum + a[i] END;
		IF sum > MAX(INTEGER) THEN RETURN MAX(INTEGER)
		ELSIF sum < MIN(INTEGER) THEN RETURN MIN(INTEGER)
		ELSE RETURN SHORT(sum)
		END
	END SaturatingSum;

END BenchSaturatingSum.
