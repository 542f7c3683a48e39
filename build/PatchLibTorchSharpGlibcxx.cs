// MSBuild inline task (RoslynCodeTaskFactory). See TorchSharpNative.targets for why it exists.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class PatchLibTorchSharpGlibcxx : Task
{
    [Required] public string Library { get; set; } = "";

    private const string Wanted = "GLIBCXX_3.4.32";
    private const string Fallback = "GLIBCXX_3.4.30";
    private const string Symbol = "_ZSt21ios_base_library_initv";
    private const uint ShtDynsym = 11, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;

    public override bool Execute()
    {
        if (HostHasWantedVersion())
        {
            Log.LogMessage(MessageImportance.Low, $"Host libstdc++ provides {Wanted}; {Library} left as shipped.");
            return true;
        }
        byte[] elf = File.ReadAllBytes(Library);
        string outcome = Patch(elf);
        if (outcome == "patched")
        {
            // Write a fresh file so a hard link into the NuGet cache is never modified.
            string temp = Library + ".patching";
            File.WriteAllBytes(temp, elf);
            if (File.Exists(Library)) File.Delete(Library);
            File.Move(temp, Library);
            Log.LogMessage(MessageImportance.High, $"Patched {Library}: {Wanted} -> {Fallback} (host libstdc++ lacks {Wanted}).");
        }
        else
        {
            Log.LogMessage(MessageImportance.Low, $"{Library}: {outcome}");
        }
        return true;
    }

    private static bool HostHasWantedVersion()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        };
        byte[] needle = Encoding.ASCII.GetBytes(Wanted + "\0");
        foreach (string path in candidates)
        {
            if (!File.Exists(path)) continue;
            byte[] bytes = File.ReadAllBytes(path);
            if (IndexOf(bytes, needle, 0, bytes.Length) >= 0) return true;
        }
        return false;
    }

    private static string Patch(byte[] f)
    {
        if (f.Length < 64 || f[0] != 0x7f || f[1] != (byte)'E' || f[4] != 2 || f[5] != 1)
            return "not a 64-bit little-endian ELF; skipped";
        long shoff = (long)U64(f, 0x28);
        int shentsize = U16(f, 0x3A), shnum = U16(f, 0x3C);

        long Sh(int i, int field) => shoff + (long)i * shentsize + field;
        uint Type(int i) => U32(f, Sh(i, 4));
        long Offset(int i) => (long)U64(f, Sh(i, 24));
        long Size(int i) => (long)U64(f, Sh(i, 32));
        int Link(int i) => (int)U32(f, Sh(i, 40));
        int Info(int i) => (int)U32(f, Sh(i, 44));

        int verneed = -1, dynsym = -1, versym = -1;
        for (int i = 0; i < shnum; i++)
        {
            uint t = Type(i);
            if (t == ShtVerneed) verneed = i;
            else if (t == ShtDynsym) dynsym = i;
            else if (t == ShtVersym) versym = i;
        }
        if (verneed < 0 || dynsym < 0 || versym < 0) return "no symbol-version sections; skipped";

        long dynstr = Offset(Link(verneed));
        long dynstrSize = Size(Link(verneed));
        string Str(long off) { long end = dynstr + off; while (f[end] != 0) end++; return Encoding.ASCII.GetString(f, (int)(dynstr + off), (int)(end - dynstr - off)); }

        long fallbackName = FindString(f, dynstr, dynstrSize, Fallback);
        if (fallbackName < 0) return $"{Fallback} not in .dynstr; skipped";

        bool patchedNeed = false;
        long vn = Offset(verneed);
        for (int n = 0; n < Info(verneed); n++)
        {
            long aux = vn + U32(f, vn + 8);
            for (int a = 0; a < U16(f, vn + 2); a++)
            {
                if (Str(U32(f, aux + 8)) == Wanted)
                {
                    W32(f, aux + 0, ElfHash(Fallback));
                    W32(f, aux + 8, (uint)fallbackName);
                    patchedNeed = true;
                }
                uint next = U32(f, aux + 12);
                if (next == 0) break;
                aux += next;
            }
            uint vnNext = U32(f, vn + 12);
            if (vnNext == 0) break;
            vn += vnNext;
        }
        if (!patchedNeed) return $"no {Wanted} requirement (already patched?)";

        long symtab = Offset(dynsym), symCount = Size(dynsym) / 24;
        long symStr = Offset(Link(dynsym));
        for (long s = 0; s < symCount; s++)
        {
            long nameOff = symStr + U32(f, symtab + s * 24);
            long end = nameOff; while (f[end] != 0) end++;
            if (Encoding.ASCII.GetString(f, (int)nameOff, (int)(end - nameOff)) == Symbol)
                W16(f, Offset(versym) + s * 2, 1); // VER_NDX_GLOBAL: unversioned
        }
        return "patched";
    }

    private static long FindString(byte[] f, long start, long size, string s)
    {
        byte[] needle = Encoding.ASCII.GetBytes(s + "\0");
        long end = start + size;
        for (long at = IndexOf(f, needle, start, end); at >= 0; at = IndexOf(f, needle, at + 1, end))
        {
            // The match must start a string: first byte of the table or right after a NUL.
            if (at == start || f[at - 1] == 0) return at - start;
        }
        return -1;
    }

    private static long IndexOf(byte[] hay, byte[] needle, long from, long end)
    {
        for (long i = from; i + needle.Length <= end; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    private static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    private static ushort U16(byte[] b, long o) => BitConverter.ToUInt16(b, (int)o);
    private static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, (int)o);
    private static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, (int)o);
    private static void W16(byte[] b, long o, ushort v) => Array.Copy(BitConverter.GetBytes(v), 0, b, o, 2);
    private static void W32(byte[] b, long o, uint v) => Array.Copy(BitConverter.GetBytes(v), 0, b, o, 4);
}
