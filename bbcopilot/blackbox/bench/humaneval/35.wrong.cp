MODULE BenchHe35;

	PROCEDURE MaxElement* (IN l: ARRAY OF INTEGER): INTEGER;
		VAR i, max: INTEGER;
	BEGIN
		max := l[0];
		FOR i := 1 TO LEN(l) - 2 DO
			IF l[i] > max THEN max := l[i] END
		END;
		RETURN max
	END MaxElement;

END BenchHe35.
