namespace Zuna.Engine.Fif;

/// <summary>FIFF tag kinds, block kinds and type codes used by the reader and writer (values from MNE's constants.py, spec §A4–A6).</summary>
internal static class FifConst
{
    // Tag kinds (FIFF_*)
    public const int FileId = 100, DirPointer = 101, Dir = 102, BlockId = 103, BlockStart = 104, BlockEnd = 105,
        FreeList = 106, Nop = 108, ParentFileId = 109, ParentBlockId = 110;
    public const int RefRole = 115, RefFileId = 116, RefFileNum = 117, RefFileName = 118;
    public const int NChan = 200, SFreq = 201, DataPack = 202, ChInfo = 203, MeasDate = 204, Comment = 206,
        FirstSample = 208, DigPoint = 213, LowPass = 219, CoordTrans = 222, HighPass = 223, LineFreq = 235;
    public const int ChScanNo = 250, ChLogicalNo = 251, ChKind = 252, ChRange = 253, ChCal = 254, ChLoc = 255,
        ChUnit = 256, ChUnitMul = 257, ChDacqName = 258, ChCoilType = 350, ChCoordFrame = 351;
    public const int DataBuffer = 300, DataSkip = 301;
    public const int MneEpochsDropLog = 3801, MneCoordFrame = 3506, MneChNameList = 3507, MneBaselineMin = 3568, MneBaselineMax = 3569;
    /// <summary>FIFF_MNE_CUSTOM_REF: 1 (FIFFV_MNE_CUSTOM_REF_ON) when a reference other than the recording's was applied.</summary>
    public const int MneCustomRef = 3567, MneCustomRefOn = 1;

    // Block kinds (FIFFB_*)
    public const int BlockMeas = 100, BlockMeasInfo = 101, BlockRawData = 102, BlockIsotrak = 107,
        BlockContinuousData = 112, BlockChInfo = 113, BlockRef = 118, BlockIasRawData = 119,
        BlockMneBadChannels = 359, BlockMneAnnotations = 3810;

    // Type codes (FIFFT_*)
    public const int TypeVoid = 0, TypeByte = 1, TypeShort = 2, TypeInt = 3, TypeFloat = 4, TypeDouble = 5,
        TypeString = 10, TypeDauPack16 = 16, TypeComplexFloat = 20, TypeComplexDouble = 21,
        TypeChInfoStruct = 30, TypeIdStruct = 31, TypeDirEntryStruct = 32, TypeDigPointStruct = 33,
        TypeCoordTransStruct = 35;

    public const int RoleNextFile = 2, RolePrevFile = 1;
    public const int CoordHead = 4, CoordDevice = 1, CoordUnknown = 0;
    public const int DigKindEeg = 3;
    public const int CoilEeg = 1;
    public const int UnitVolt = 107;

    public const int TagHeaderSize = 16;
    public const int ChInfoStructSize = 96;
    /// <summary>Seconds/microseconds pair MNE writes for "no measurement date".</summary>
    public const int DateNoneSecs = 0, DateNoneUsecs = int.MaxValue;
}
