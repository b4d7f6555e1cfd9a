MODULE BenchHe85;

	PROCEDURE Add* (IN lst: ARRAY OF INTEGER): INTEGER;
		VAR i, sum: INTEGER;
	BEGIN
		sum := 0; i := 0;
		WHILE i < LEN(lst) DO
			IF ~ODD(lst[i]) THEN sum := sum + lst[i] END;
			INC(i, 2)
		END;
		RETURN sum
	END Add;

END BenchHe85.
