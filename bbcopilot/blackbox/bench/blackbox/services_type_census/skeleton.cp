MODULE BenchTypeCensus;

	IMPORT Services, BenchTypes;

	PROCEDURE TypeName* (p: ANYPTR): BenchTypes.String;
	BEGIN
		RETURN NIL
	END TypeName;

	PROCEDURE Count* (IN objs: ARRAY OF ANYPTR; n: INTEGER; IN type: ARRAY OF CHAR): INTEGER;
	BEGIN
		RETURN 0
	END Count;

END BenchTypeCensus.
